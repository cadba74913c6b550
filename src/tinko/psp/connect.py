"""Checking a PSP's keys with one real call, for every caller that saves or re-checks them
(`/v1/psp-credentials`, `POST /v1/orgs/init`, the console's onboarding and settings pages)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from tinko.config import Settings
from tinko.errors import NotFound, Unprocessable
from tinko.kit.clock import Clock
from tinko.psp import credentials
from tinko.psp.base import PSPTerminalError
from tinko.psp.credentials import Keys
from tinko.psp.problems import CredentialsRejected, call_psp
from tinko.psp.registry import adapter_for, secret_box

NAMES = {"stripe": "Stripe", "razorpay": "Razorpay"}


@dataclass(frozen=True)
class Verdict:
    ok: bool
    detail: str


def verify_new(
    settings: Settings,
    psp: str,
    given: dict[str, str | None],
    *,
    loc: tuple[str, ...] = ("body",),
) -> tuple[Keys, str]:
    """Keys checked for shape (422 naming the field under `loc`), then with the PSP: their
    answer, or CredentialsRejected (422) with the PSP's reason; PSPUnavailable (502) when it
    cannot be reached. Nothing is stored here: callers save only keys that passed."""
    try:
        keys = credentials.validate(credentials.check_psp(psp), given)
    except Unprocessable as exc:
        field = list(exc.errors[0]["loc"][1:]) if exc.errors else []
        raise Unprocessable(exc.detail, loc=[*loc, *field]) from None
    try:
        detail = call_psp(adapter_for(settings, keys).verify_credentials, raise_terminal=True)
    except PSPTerminalError as exc:
        raise CredentialsRejected(f"{NAMES[psp]} refused these credentials: {exc}") from None
    return keys, detail


def verify_saved(settings: Settings, keys: Keys) -> Verdict:
    """Saved keys asked again: a refusal is a verdict, not an error."""
    try:
        adapter = adapter_for(settings, keys)
        return Verdict(True, call_psp(adapter.verify_credentials, raise_terminal=True))
    except PSPTerminalError as exc:
        return Verdict(False, f"{NAMES[keys.psp]} refused the saved credentials: {exc}")


def recheck(
    session: Session,
    reads: sessionmaker[Session],
    clock: Clock,
    settings: Settings,
    org_id: str,
    psp: str,
) -> Verdict:
    """Ask the PSP about the saved keys again and record its verdict on them (404 without
    saved keys). They are read on `reads`, so no write lock is held over the PSP's answer."""
    credentials.check_psp(psp)
    with reads() as reader:
        keys = credentials.load(reader, secret_box(settings), org_id, psp)
    if keys is None:
        raise NotFound(f"This organisation has no {psp} credentials.")
    verdict = verify_saved(settings, keys)
    row = credentials.get(session, org_id, psp)
    if row is not None:
        credentials.record_check(row, clock, ok=verdict.ok, detail=verdict.detail)
    return verdict
