"""Retry policies: the merchant's `/v1/retry-policies` and the built-in default per decline
category. `defaults` holds the pure `PolicySpec` the decision reads; `service.policy_for` finds
an organisation's. This front door imports nothing, so pure code can use the specs without the
database."""
