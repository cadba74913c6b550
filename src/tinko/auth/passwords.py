"""Password hashing (argon2id) and strength rules (docs/api.md: ≥ 10 characters, not guessable)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from tinko.errors import Unprocessable

MIN_LENGTH = 10
MAX_LENGTH = 256  # argon2 takes any length; this bounds the work an attacker can ask for
MIN_SCORE = 3  # zxcvbn 0..4; 3 = "safely unguessable: moderate protection from offline attack"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the account does not exist, so both paths cost one argon2 run.
_DUMMY_HASH = _hasher.hash("tinko-timing-equaliser-not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def _user_words(related: Sequence[str]) -> list[str]:
    """Words of the user's own details, also glued together ("ana.ruiz" → ana, ruiz, anaruiz)."""
    words: set[str] = set()
    for value in related:
        parts = [p for p in re.split(r"[^\w]+|_", value.lower()) if len(p) >= 3]
        words.update(parts)
        if len(parts) > 1:
            words.add("".join(parts))
    return sorted(words)


def check_strength(password: str, *, related: Sequence[str] = (), loc: str = "password") -> None:
    """Raise a 422 naming what is wrong and how to fix it."""
    location = ["body", loc]
    if len(password) < MIN_LENGTH:
        raise Unprocessable(f"Use at least {MIN_LENGTH} characters.", loc=location)
    if len(password) > MAX_LENGTH:
        raise Unprocessable(f"Use at most {MAX_LENGTH} characters.", loc=location)
    # zxcvbn's cost grows with length; the first 100 characters decide guessability anyway.
    result = zxcvbn(password[:100], user_inputs=_user_words(related))
    if result["score"] < MIN_SCORE:
        feedback = result.get("feedback", {})
        hint = feedback.get("warning") or "It is too easy to guess."
        suggestions = " ".join(feedback.get("suggestions", []))
        message = f"This password is too easy to guess: {hint}".rstrip(".") + "."
        if suggestions:
            message += f" {suggestions}"
        raise Unprocessable(message, loc=location)
