"""Access tokens: short-lived HS256 JWTs, signed with a key derived from TINKO_SECRET_KEY."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from tinko.kit import signing

ALGORITHM = "HS256"
ISSUER = "tinko"
AUDIENCE = "tinko-api"
# API keys start with this, so one sent as a Bearer token can be told apart and redirected.
API_KEY_PREFIX = "tk_"


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    org_id: str
    family_id: str


def _signing_key(secret_key: str) -> bytes:
    # A purpose-bound subkey: the same secret also feeds other derivations (encryption, links).
    return signing.subkey(secret_key, "tinko/jwt/v1")


def issue_access_token(
    secret_key: str, *, user_id: str, org_id: str, family_id: str, now: datetime, ttl: timedelta
) -> str:
    claims = {
        "sub": user_id,
        "org": org_id,
        "fam": family_id,
        "typ": "access",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, _signing_key(secret_key), algorithm=ALGORITHM)


def decode_access_token(secret_key: str, token: str, *, now: datetime) -> AccessClaims | None:
    """Claims of a valid token, or None: wrong algorithm, bad signature, expired, malformed."""
    try:
        claims = jwt.decode(
            token,
            _signing_key(secret_key),
            algorithms=[ALGORITHM],  # pinned: "none" and asymmetric confusion are refused
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "org", "fam", "typ"], "verify_exp": False},
        )
    except jwt.PyJWTError:
        return None
    # Expiry is checked against the injected clock so tests and the simulator can travel in time.
    if claims.get("typ") != "access" or int(claims["exp"]) <= int(now.timestamp()):
        return None
    if not all(isinstance(claims[k], str) for k in ("sub", "org", "fam")):
        return None
    return AccessClaims(user_id=claims["sub"], org_id=claims["org"], family_id=claims["fam"])
