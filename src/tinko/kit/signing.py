"""Signed tokens: one HMAC-SHA256 scheme for every value we hand out and must recognise later
(payer links, unsubscribe links, the pay form's nonce, the sandbox's webhook secret, the JWT key).

Each use names a purpose; its key is derived from TINKO_SECRET_KEY under that purpose, so a
signature made for one use is worthless for another. Signatures are compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

MAC_BYTES = 12  # 96 bits: enough against forgery for a value checked online and rate limited


def subkey(secret_key: str, purpose: str) -> bytes:
    """A key for one purpose, derived from the service's secret."""
    return hmac.new(secret_key.encode(), purpose.encode(), hashlib.sha256).digest()


def b64(raw: bytes) -> str:
    """URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(text: str) -> bytes:
    """The bytes of `b64` text; ValueError if it is not base64."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64") from exc


def mac(secret_key: str, purpose: str, body: str, size: int = MAC_BYTES) -> str:
    """The signature of `body` for `purpose`, as `size` bytes in `b64`."""
    digest = hmac.new(subkey(secret_key, purpose), body.encode(), hashlib.sha256).digest()
    return b64(digest[:size])


def mac_valid(
    secret_key: str, purpose: str, body: str, signature: str, size: int = MAC_BYTES
) -> bool:
    return hmac.compare_digest(signature.encode(), mac(secret_key, purpose, body, size).encode())


def sign(secret_key: str, purpose: str, body: str) -> str:
    """`body.signature`: the body is readable, the signature makes it unforgeable."""
    return f"{body}.{mac(secret_key, purpose, body)}"


def unsign(secret_key: str, purpose: str, token: str) -> str | None:
    """The body of a token made by `sign` for this purpose, or None if it was not."""
    body, dot, signature = token.partition(".")
    if not dot or not mac_valid(secret_key, purpose, body, signature):
        return None
    return body
