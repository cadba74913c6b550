"""Recovery cases and their attempts: statuses and the lifecycle that alone changes them,
planning (over the pure `decide`, `planner` and the network-rule `guard`), the merchant's
commands, payer links and the outreach that sends them. See docs/architecture.md."""
