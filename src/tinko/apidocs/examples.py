"""Request examples for the main write operations, keyed by (method, path). Shown by Swagger UI
and ReDoc; `tests/apidocs/test_examples.py` sends every one of them to the API and expects it
to be accepted, so they cannot drift from what the service takes."""

from __future__ import annotations

from typing import Any

Examples = dict[str, dict[str, Any]]


def _examples(**named: tuple[str, Any]) -> Examples:
    return {name: {"summary": summary, "value": value} for name, (summary, value) in named.items()}


_FAILURE = {
    "transaction_ref": "order_10482",
    "amount": 49900,
    "currency": "INR",
    "gateway": "stripe",
    "decline_code": "insufficient_funds",
    "failure_message": "Your card has insufficient funds.",
    "payment_method_type": "card",
    "payment_method_ref": "pm_1QaBcD2eZvKYlo2C",
    "card_network": "visa",
    "customer": {
        "id": "cus_R4nD0m",
        "email": "asha.rao@example.in",
        "phone": "+919876543210",
        "name": "Asha Rao",
        "locale": "en-IN",
        "country": "IN",
    },
    "occurred_at": "2026-11-02T14:45:00+05:30",
    "metadata": {"plan": "annual"},
}
_UPI_FAILURE = {
    "transaction_ref": "order_10483",
    "amount": 19900,
    "currency": "INR",
    "gateway": "razorpay",
    "failure_code": "BAD_REQUEST_ERROR",
    "failure_message": "Payment was unsuccessful as the UPI app did not respond.",
    "payment_method_type": "upi",
    "customer": {"email": "vikram@example.in", "name": "Vikram S"},
    "occurred_at": "2026-11-02T09:05:00Z",
}
_POLICY = {
    "name": "Funds declines, business hours",
    "max_attempts": 4,
    "initial_delay_minutes": 240,
    "backoff_multiplier": 2.0,
    "max_delay_minutes": 4320,
    "channels": ["email", "whatsapp"],
    "windows": {"timezone": "Asia/Kolkata", "preset": "business_hours"},
    "window_days": 14,
    "active": True,
    "quiet_hours": {"start": "21:00", "end": "08:00"},
    "categories": ["insufficient_funds"],
}
_RULE = {
    "name": "Expired cards get a link at once",
    "priority": 10,
    "enabled": True,
    "conditions": {
        "all": [
            {"field": "category", "op": "eq", "value": "expired_card"},
            {"field": "amount", "op": "gte", "value": 10000},
        ]
    },
    "actions": [{"type": "send_link", "channels": ["email", "sms"]}, {"type": "stop"}],
}
_TEMPLATE = {
    "channel": "email",
    "locale": "en",
    "name": "Friendly reminder",
    "subject": "{{ merchant }}: your payment of {{ amount }} needs a moment",
    "body": (
        "Hello {{ customer_name }},\n\nYour payment of {{ amount }} did not go through "
        "({{ reason }}). Complete it here: {{ link }}\n\nThe link works until {{ expiry }}."
    ),
}

REQUEST_EXAMPLES: dict[tuple[str, str], Examples] = {
    ("POST", "/v1/auth/register"): _examples(
        owner=(
            "A new organisation and its owner",
            {
                "email": "owner@kaveri.example",
                "password": "sandalwood-ferry-91",
                "org_name": "Kaveri Books",
                "name": "Meera Iyer",
            },
        )
    ),
    ("POST", "/v1/auth/login"): _examples(
        login=("Sign in", {"email": "owner@kaveri.example", "password": "sandalwood-ferry-91"})
    ),
    ("POST", "/v1/api-keys"): _examples(
        server=("A key for the merchant's server", {"name": "checkout server", "role": "admin"})
    ),
    ("POST", "/v1/events/payment_failed"): _examples(
        card=("A card declined for insufficient funds (Stripe)", _FAILURE),
        upi=("A UPI payment that timed out (Razorpay)", _UPI_FAILURE),
    ),
    ("POST", "/v1/classify"): _examples(
        stripe=(
            "A Stripe decline code",
            {"gateway": "stripe", "decline_code": "expired_card", "payment_method_type": "card"},
        ),
        network=(
            "A Mastercard merchant advice code",
            {"network_advice_code": "03", "card_network": "mastercard"},
        ),
    ),
    ("POST", "/v1/retry-policies"): _examples(funds=("Retry funds declines", _POLICY)),
    ("PUT", "/v1/retry-policies/{policy_id}"): _examples(funds=("Replace a policy", _POLICY)),
    ("PATCH", "/v1/retry-policies/{policy_id}"): _examples(
        fewer=("Fewer retries, no WhatsApp", {"max_attempts": 2, "channels": ["email"]}),
        off=("Deactivate", {"active": False}),
    ),
    ("POST", "/v1/rules"): _examples(expired=("Links for expired cards", _RULE)),
    ("PUT", "/v1/rules/{rule_id}"): _examples(
        expired=("Save a new version", {**_RULE, "priority": 5})
    ),
    ("POST", "/v1/rules/test"): _examples(
        expired=(
            "Which rule takes an expired card of ₹499?",
            {
                "context": {
                    "category": "expired_card",
                    "amount": 49900,
                    "currency": "INR",
                    "gateway": "stripe",
                    "payment_method_type": "card",
                }
            },
        )
    ),
    ("POST", "/v1/templates"): _examples(email=("An English email", _TEMPLATE)),
    ("PUT", "/v1/templates/{template_id}"): _examples(email=("Save a new version", _TEMPLATE)),
    ("POST", "/v1/templates/{template_id}/preview"): _examples(
        sample=("Preview with sample data", {}),
        custom=("Preview for a given customer", {"sample": {"customer_name": "Asha Rao"}}),
    ),
    ("POST", "/v1/recoveries/by_ref/{transaction_ref}/link"): _examples(
        link=("Just the link, to send yourself", {}),
        email=("Also email it to the customer", {"channel": "email"}),
    ),
    ("POST", "/v1/webhook-endpoints"): _examples(
        stripe=("An endpoint for Stripe events", {"psp": "stripe"}),
        razorpay=("An endpoint for Razorpay events", {"psp": "razorpay"}),
    ),
    ("PUT", "/v1/psp-credentials/{psp}"): _examples(
        stripe=(
            "Stripe (psp = stripe)",
            {"secret_key": "sk_test_51ExampleKey0000", "publishable_key": "pk_test_51ExampleKey00"},
        ),
        razorpay=(
            "Razorpay (psp = razorpay)",
            {"key_id": "rzp_test_Example000000", "key_secret": "ExampleSecret00000000000"},
        ),
    ),
}
