"""Organisations: the tenant every other row belongs to."""
