"""The inbox: the payment_failed API, PSP webhook endpoints and stored deliveries, idempotency
keys. PSP payloads are read through `psp` (WebhookFormat); `flows.outcomes` says what a report
means for its recovery."""
