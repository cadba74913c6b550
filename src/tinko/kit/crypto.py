"""Tokens and digests. Secrets we must recognise later are stored only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def random_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """Digest for high-entropy tokens (refresh tokens, API keys, reset tokens).

    A fast hash is right here: the inputs have ≥ 256 bits of entropy, so there is nothing to
    brute-force, and lookups by digest stay indexable.
    """
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
