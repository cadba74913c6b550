"""Onboarding: a new organisation's first steps, in one call (`POST /v1/orgs/init`) or in the
console's wizard, over the same services as the API (docs/console.md "Onboarding")."""
