"""Payment service providers: one Protocol, the sandbox PSP, and (later) Stripe and Razorpay."""
