"""Response headers of the payer pages, where a payer may be sent, and the form's nonce.

The pay button posts to us and we answer 303 to the PSP's hosted checkout. Chromium applies
CSP form-action to the redirects that follow a form submission, so the checkout origins must be
listed there too; the same list bounds where the checkout route may ever redirect.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

from tinko.kit import signing
from tinko.kit.crypto import constant_time_equals

# Hosted checkout origins of the PSPs we integrate with:
# - Stripe Checkout Sessions: `url` is on checkout.stripe.com
#   (https://docs.stripe.com/api/checkout/sessions/object#checkout_session_object-url)
# - Razorpay Payment Links: `short_url` is on rzp.io and opens a razorpay.com page
#   (https://razorpay.com/docs/api/payments/payment-links/create-standard/)
CHECKOUT_ORIGINS: Final = (
    "https://checkout.stripe.com",
    "https://rzp.io",
    "https://razorpay.com",
    "https://*.razorpay.com",
)
FORM_NONCE_LIFETIME: Final = timedelta(hours=12)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def page_headers(base_url: str) -> dict[str, str]:
    form_targets = " ".join(["'self'", origin_of(base_url), *CHECKOUT_ORIGINS])
    return {
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'self'; img-src 'self' data:; "
            f"form-action {form_targets}; frame-ancestors 'none'; base-uri 'none'"
        ),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
        "Cache-Control": "no-store",
    }


def redirect_allowed(url: str, base_url: str) -> bool:
    """True for our own origin and the PSP checkout origins, over HTTPS (or our own scheme)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return False
    if origin_of(url) == origin_of(base_url):
        return True
    if parts.scheme != "https" or port not in (None, 443):
        return False
    host = parts.hostname.lower()
    for allowed in CHECKOUT_ORIGINS:
        allowed_host = allowed.removeprefix("https://")
        if allowed_host.startswith("*."):
            if host.endswith(allowed_host[1:]):
                return True
        elif host == allowed_host:
            return True
    return False


def _nonce_mac(secret_key: str, token: str, issued: int) -> str:
    return signing.mac(secret_key, "tinko/pay-form/v1", f"{token}|{issued}", size=16)


def form_nonce(secret_key: str, token: str, now: datetime) -> str:
    """A signed, dated value the pay form carries: a post without one from our page is refused."""
    issued = int(now.timestamp())
    return f"{issued}.{_nonce_mac(secret_key, token, issued)}"


def nonce_valid(secret_key: str, token: str, nonce: str, now: datetime) -> bool:
    issued_text, _, mac = nonce.partition(".")
    if not issued_text.isdigit() or len(issued_text) > 12:
        return False
    issued = int(issued_text)
    age = now.timestamp() - issued
    if age < -60 or age > FORM_NONCE_LIFETIME.total_seconds():
        return False
    return signing.mac_valid(secret_key, "tinko/pay-form/v1", f"{token}|{issued}", mac, size=16)


# --- CSRF for the account forms: a signed double-submit token ------------------------------
# The same value goes in a cookie and a hidden field; a cross-site form can send the cookie
# but cannot read it to fill the field, and the signature stops a value planted by a sibling
# subdomain from being accepted.
CSRF_COOKIE: Final = "tinko_csrf"
CSRF_LIFETIME: Final = timedelta(hours=12)


def _csrf_mac(secret_key: str, nonce: str, issued: int) -> str:
    return signing.mac(secret_key, "tinko/csrf/v1", f"{nonce}|{issued}", size=16)


def csrf_token(secret_key: str, now: datetime) -> str:
    nonce = secrets.token_urlsafe(16)
    issued = int(now.timestamp())
    return f"{nonce}.{issued}.{_csrf_mac(secret_key, nonce, issued)}"


def csrf_signed(secret_key: str, token: str | None, now: datetime) -> bool:
    """Ours, and young enough to use: a form must not fail for a token about to expire."""
    nonce, _, rest = (token or "").partition(".")
    issued_text, _, mac = rest.partition(".")
    if not nonce or not issued_text.isdigit() or len(issued_text) > 12:
        return False
    age = now.timestamp() - int(issued_text)
    if age < -60 or age > CSRF_LIFETIME.total_seconds():
        return False
    purpose, body = "tinko/csrf/v1", f"{nonce}|{int(issued_text)}"
    return signing.mac_valid(secret_key, purpose, body, mac, size=16)


def csrf_for_form(secret_key: str, cookie: str | None, now: datetime) -> str:
    """The browser's token while it has half its life left (other open tabs keep working)."""
    if cookie and csrf_signed(secret_key, cookie, now + CSRF_LIFETIME / 2):
        return cookie
    return csrf_token(secret_key, now)


def csrf_valid(secret_key: str, cookie: str | None, submitted: str, now: datetime) -> bool:
    if not cookie or not constant_time_equals(cookie, submitted):
        return False
    return csrf_signed(secret_key, cookie, now)
