"""Per-organisation PSP credentials: shape checks, encryption at rest, masked hints.

Every field is stored in one ciphertext under tinko.kit.secretbox (MultiFernet over
TINKO_ENCRYPTION_KEYS, newest key first, or a key derived from TINKO_SECRET_KEY), so a
database dump alone holds no usable key. Only masked hints (prefix and last four) are kept
in clear, for the console. Key formats: Stripe secret keys start `sk_` (or `rk_` when
restricted) and publishable keys `pk_`, each with `test_`/`live_`
(https://docs.stripe.com/keys); Razorpay key ids start `rzp_test_`/`rzp_live_`
(https://razorpay.com/docs/api/authentication/).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.errors import NotFound, Unprocessable
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.secretbox import SecretBox
from tinko.psp.models import PspCredential

PSPS = ("stripe", "razorpay")
FIELDS: dict[str, tuple[str, ...]] = {
    "stripe": ("secret_key", "publishable_key"),
    "razorpay": ("key_id", "key_secret"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "stripe": ("secret_key",),
    "razorpay": ("key_id", "key_secret"),
}
_PATTERNS: dict[str, re.Pattern[str]] = {
    "secret_key": re.compile(r"^(?:sk|rk)_(test|live)_[A-Za-z0-9]{8,247}$"),
    "publishable_key": re.compile(r"^pk_(test|live)_[A-Za-z0-9]{8,247}$"),
    "key_id": re.compile(r"^rzp_(test|live)_[A-Za-z0-9]{8,40}$"),
    "key_secret": re.compile(r"^[A-Za-z0-9]{16,64}$"),
}
_EXPECTED = {
    "secret_key": "a Stripe secret key: sk_test_…, sk_live_… (or a restricted rk_… key)",
    "publishable_key": "a Stripe publishable key: pk_test_… or pk_live_…",
    "key_id": "a Razorpay key id: rzp_test_… or rzp_live_…",
    "key_secret": "a Razorpay key secret: 16 to 64 letters and digits",
}


@dataclass(frozen=True)
class Keys:
    psp: str
    fields: dict[str, str]
    livemode: bool


def check_psp(psp: str) -> str:
    if psp not in PSPS:
        raise NotFound(f"No such PSP; use one of {', '.join(PSPS)}.")
    return psp


def validate(psp: str, given: dict[str, str | None]) -> Keys:
    """The fields for `psp`, checked for shape; 422 naming the first bad field."""
    unexpected = sorted(k for k, v in given.items() if v is not None and k not in FIELDS[psp])
    if unexpected:
        raise Unprocessable(
            f"{unexpected[0]} is not a {psp} credential; send {', '.join(FIELDS[psp])}.",
            loc=["body", unexpected[0]],
        )
    fields: dict[str, str] = {}
    for name in FIELDS[psp]:
        value = (given.get(name) or "").strip()
        if not value:
            if name in REQUIRED[psp]:
                raise Unprocessable(f"{name} is required for {psp}.", loc=["body", name])
            continue
        if not _PATTERNS[name].match(value):
            raise Unprocessable(f"{name} does not look like {_EXPECTED[name]}.", loc=["body", name])
        fields[name] = value
    modes = {m.group(1) for v in fields.values() if (m := re.search(r"_(test|live)_", v))}
    if len(modes) > 1:
        raise Unprocessable("The keys mix test and live mode; use keys of one mode.", loc=["body"])
    return Keys(psp, fields, livemode=modes == {"live"})


def mask(name: str, value: str) -> str:
    """What the console may show: the key's public prefix and its last four characters."""
    prefix = re.match(r"^((?:sk|rk|pk)_(?:test|live)_|rzp_(?:test|live)_)", value)
    return f"{prefix.group(1) if prefix else ''}…{value[-4:]}"


def get(session: Session, org_id: str, psp: str) -> PspCredential | None:
    return session.scalars(
        select(PspCredential).where(PspCredential.org_id == org_id, PspCredential.psp == psp)
    ).one_or_none()


def list_for(session: Session, org_id: str) -> list[PspCredential]:
    return list(
        session.scalars(
            select(PspCredential).where(PspCredential.org_id == org_id).order_by(PspCredential.psp)
        ).all()
    )


def load(session: Session, box: SecretBox, org_id: str, psp: str) -> Keys | None:
    """The decrypted keys of an organisation for one PSP, or None when it has none."""
    row = get(session, org_id, psp)
    if row is None:
        return None
    fields: dict[str, str] = json.loads(box.decrypt(row.fields_ciphertext))
    return Keys(psp, fields, row.livemode)


def save(
    session: Session, clock: Clock, box: SecretBox, org_id: str, keys: Keys, detail: str
) -> PspCredential:
    """Store keys that were just verified, replacing any earlier ones for that PSP."""
    now = clock.now()
    row = get(session, org_id, keys.psp)
    if row is None:
        row = PspCredential(id=new_id("pspc"), org_id=org_id, psp=keys.psp, created_at=now)
        session.add(row)
    row.fields_ciphertext = box.encrypt(json.dumps(keys.fields))
    row.hints = {name: mask(name, value) for name, value in keys.fields.items()}
    row.livemode = keys.livemode
    row.updated_at = now
    record_check(row, clock, ok=True, detail=detail)
    session.flush()
    return row


def record_check(row: PspCredential, clock: Clock, *, ok: bool, detail: str) -> None:
    row.verified_at = clock.now()
    row.verify_ok = ok
    row.verify_detail = detail[:300]


def delete(session: Session, org_id: str, psp: str) -> None:
    row = get(session, org_id, psp)
    if row is None:
        raise NotFound(f"This organisation has no {psp} credentials.")
    session.delete(row)


def rotate_all(session: Session, box: SecretBox) -> int:
    """Re-encrypt every stored credential under the newest key (after prepending a key to
    TINKO_ENCRYPTION_KEYS); the old key can be dropped once this has run."""
    rows = session.scalars(select(PspCredential).with_for_update()).all()
    for row in rows:
        row.fields_ciphertext = box.rotate(row.fields_ciphertext)
    return len(rows)


def describe(row: PspCredential | None, psp: str) -> dict[str, Any]:
    hints = row.hints if row else {}
    return {
        "psp": psp,
        "configured": row is not None,
        "livemode": row.livemode if row else None,
        "fields": {name: {"set": name in hints, "hint": hints.get(name)} for name in FIELDS[psp]},
        "verified_at": row.verified_at if row else None,
        "verify_ok": row.verify_ok if row else None,
        "verify_detail": row.verify_detail if row else None,
        "updated_at": row.updated_at if row else None,
    }
