"""Payment service providers: one `PaymentProvider` interface (no database session), the Stripe
and Razorpay adapters on their SDKs, each PSP's `WebhookFormat` (signatures, event ids, events →
reports), stored credentials, and the sandbox PSP with its own ledger."""
