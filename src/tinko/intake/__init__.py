"""Failure intake: the payment_failed API, PSP webhooks, the webhook inbox and idempotency."""
