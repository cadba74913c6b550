"""Retry policy use cases, and ``policy_for``: the policy the engine follows for one payment.

Activation: at most one active policy covers any decline category. Saving a policy active
(create, PUT or PATCH) deactivates the organisation's other active policies whose categories
overlap its own; an empty category list means every category, so it overlaps every policy.

A merchant policy maps onto the engine's ``PolicySpec`` like this (``merchant_spec``):
fields the API lacks (``silent_retries``, ``link_after_attempt``, ``paydays``) come from the
built-in default of the payment's category; a category the default never retries silently
(hard declines, authentication, expired cards, UPI pending) stays ``customer_only`` whatever
the policy says; otherwise ``max_attempts: 0`` means ``customer_only`` (messages only) and the
strategy is the policy's (``backoff``, or ``payday`` for a policy limited to funds categories).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.classifier import CATEGORIES
from tinko.errors import AppError, NotFound, Unprocessable
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.pagination import PageParams, paginate
from tinko.policies.defaults import (
    FUNDS_CATEGORIES,
    Paydays,
    PolicySpec,
    default_policy,
    general_default,
)
from tinko.policies.models import RetryPolicy
from tinko.policies.windows import WindowError, parse_window_spec, window_spec_to_dict
from tinko.rules import CHANNELS
from tinko.tenancy.models import Organization

# Fields a PATCH may set to null: clearing quiet hours; no categories means every category.
_NULLABLE = frozenset({"quiet_hours", "categories", "paydays"})
_NOT_FOUND = "No such retry policy in your organisation."


class PolicyInvalid(Unprocessable):
    """A 422 listing every problem found, each with its `loc`."""

    def __init__(self, errors: Sequence[Mapping[str, Any]]) -> None:
        first = errors[0]
        where = ".".join(str(part) for part in first["loc"][1:])
        AppError.__init__(self, f"{where}: {first['msg']}", errors=errors)


# --- validation -----------------------------------------------------------------------------


def check_policy(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The whole policy in API shape → normalised column values, or PolicyInvalid (all errors).

    Normalised: windows as rendered by ``window_spec_to_dict``, categories in the classifier's
    order, quiet hours as two "HH:MM" strings.
    """
    errors: list[dict[str, Any]] = []

    def error(loc: tuple[str | int, ...], msg: str) -> None:
        errors.append({"loc": ["body", *loc], "msg": msg})

    initial, maximum = fields["initial_delay_minutes"], fields["max_delay_minutes"]
    if maximum < initial:
        error(("max_delay_minutes",), f"must be at least initial_delay_minutes ({initial})")
    channels = _known_unique(fields["channels"], CHANNELS, "channel", ("channels",), error)
    if fields["max_attempts"] == 0 and not fields["channels"]:
        error(("channels",), "a policy without retries (max_attempts 0) needs a channel")
    categories = _known_unique(
        fields["categories"] or [], CATEGORIES, "category", ("categories",), error
    )
    if fields["strategy"] == "payday" and not (categories and set(categories) <= FUNDS_CATEGORIES):
        error(
            ("strategy",),
            "payday suits only funds declines: set categories to insufficient_funds and/or "
            "limit_exceeded",
        )
    paydays = fields.get("paydays")
    if isinstance(paydays, list) and 0 in paydays:
        error(("paydays", paydays.index(0)), "must be a day 1-31 or -1 (the last day)")
    quiet = fields["quiet_hours"]
    if quiet is not None and quiet["start"] == quiet["end"]:
        error(("quiet_hours", "end"), "must differ from start")
    try:
        windows = window_spec_to_dict(parse_window_spec(fields["windows"], loc=("body", "windows")))
    except WindowError as exc:
        errors.append({"loc": list(exc.loc), "msg": exc.msg})
    if errors:
        raise PolicyInvalid(errors)
    return {
        "name": fields["name"],
        "strategy": fields["strategy"],
        "max_attempts": fields["max_attempts"],
        "initial_delay_minutes": initial,
        "backoff_multiplier": float(fields["backoff_multiplier"]),
        "max_delay_minutes": maximum,
        "channels": channels,
        "windows": windows,
        "window_days": fields["window_days"],
        "active": fields["active"],
        "quiet_start": quiet["start"] if quiet else None,
        "quiet_end": quiet["end"] if quiet else None,
        "categories": [c for c in CATEGORIES if c in categories],
        "learned_timing": bool(fields.get("learned_timing", False)),
        "paydays": sorted(set(paydays), key=lambda d: (d == -1, d))
        if isinstance(paydays, list)
        else paydays,
    }


def _known_unique(
    values: Sequence[str],
    vocabulary: Sequence[str],
    noun: str,
    loc: tuple[str, ...],
    error: Any,
) -> list[str]:
    seen: list[str] = []
    for index, value in enumerate(values):
        if value not in vocabulary:
            error((*loc, index), f"unknown {noun} {value!r}; use one of {', '.join(vocabulary)}")
        elif value in seen:
            error((*loc, index), f"duplicate {noun} {value!r}")
        else:
            seen.append(value)
    return seen


def api_fields(policy: RetryPolicy) -> dict[str, Any]:
    """A stored policy in the API's shape (what PATCH merges onto)."""
    quiet = None
    if policy.quiet_start is not None and policy.quiet_end is not None:
        quiet = {"start": policy.quiet_start, "end": policy.quiet_end}
    return {
        "name": policy.name,
        "strategy": policy.strategy,
        "max_attempts": policy.max_attempts,
        "initial_delay_minutes": policy.initial_delay_minutes,
        "backoff_multiplier": policy.backoff_multiplier,
        "max_delay_minutes": policy.max_delay_minutes,
        "channels": list(policy.channels),
        "windows": dict(policy.windows),
        "window_days": policy.window_days,
        "active": policy.active,
        "quiet_hours": quiet,
        "categories": list(policy.categories),
        "learned_timing": bool(policy.learned_timing),
        "paydays": policy.paydays,
    }


# --- use cases ------------------------------------------------------------------------------


def list_policies(session: Session, org_id: str, params: PageParams) -> list[RetryPolicy]:
    statement = select(RetryPolicy).where(RetryPolicy.org_id == org_id)
    return list(session.scalars(paginate(statement, RetryPolicy.id, params)).all())


def get_policy(session: Session, org_id: str, policy_id: str) -> RetryPolicy:
    policy = session.scalars(
        select(RetryPolicy).where(RetryPolicy.org_id == org_id, RetryPolicy.id == policy_id)
    ).one_or_none()
    if policy is None:
        raise NotFound(_NOT_FOUND)
    return policy


def create_policy(
    session: Session, clock: Clock, org_id: str, fields: Mapping[str, Any], created_by: str
) -> RetryPolicy:
    values = check_policy(fields)
    now = clock.now()
    policy = RetryPolicy(
        id=new_id("rpol"),
        org_id=org_id,
        created_by=created_by,
        created_at=now,
        updated_at=now,
        **values,
    )
    if policy.active:
        _deactivate_overlapping(session, clock, policy)
    session.add(policy)
    session.flush()
    return policy


def replace_policy(
    session: Session, clock: Clock, org_id: str, policy_id: str, fields: Mapping[str, Any]
) -> RetryPolicy:
    policy = get_policy(session, org_id, policy_id)
    return _save(session, clock, policy, check_policy(fields))


def patch_policy(
    session: Session, clock: Clock, org_id: str, policy_id: str, changes: Mapping[str, Any]
) -> RetryPolicy:
    policy = get_policy(session, org_id, policy_id)
    nulls = [key for key, value in changes.items() if value is None and key not in _NULLABLE]
    if nulls:
        raise PolicyInvalid([{"loc": ["body", key], "msg": "may not be null"} for key in nulls])
    return _save(session, clock, policy, check_policy({**api_fields(policy), **changes}))


def _save(
    session: Session, clock: Clock, policy: RetryPolicy, values: Mapping[str, Any]
) -> RetryPolicy:
    for key, value in values.items():
        setattr(policy, key, value)
    policy.version = (policy.version or 1) + 1
    policy.updated_at = clock.now()
    if policy.active:
        _deactivate_overlapping(session, clock, policy)
    session.flush()
    return policy


def delete_policy(session: Session, org_id: str, policy_id: str) -> None:
    session.delete(get_policy(session, org_id, policy_id))
    session.flush()


def overlaps(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two category lists share a category; an empty list means every category."""
    return not a or not b or bool(set(a) & set(b))


def _deactivate_overlapping(session: Session, clock: Clock, policy: RetryPolicy) -> None:
    # Lock the organisation row (PostgreSQL) so two activations in one org run one at a time;
    # SQLite already runs one writer at a time.
    session.execute(
        select(Organization.id).where(Organization.id == policy.org_id).with_for_update()
    )
    others = session.scalars(
        select(RetryPolicy).where(
            RetryPolicy.org_id == policy.org_id,
            RetryPolicy.active.is_(True),
            RetryPolicy.id != policy.id,
        )
    ).all()
    for other in others:
        if overlaps(policy.categories, other.categories):
            other.active = False
            other.updated_at = clock.now()


# --- what the engine follows ----------------------------------------------------------------


@dataclass(frozen=True)
class Effective:
    """The org policy that applies (None: a built-in default) and what the engine reads."""

    policy: RetryPolicy | None
    spec: PolicySpec


def active_policy_row(session: Session, org_id: str, category: str | None) -> RetryPolicy | None:
    """The org's active policy covering ``category`` (None: its active catch-all policy).

    Activation keeps at most one; should two ever both be active (a race between writers on
    different rows), the one naming the category wins over a catch-all, then the newest.
    """
    rows = session.scalars(
        select(RetryPolicy)
        .where(RetryPolicy.org_id == org_id, RetryPolicy.active.is_(True))
        .order_by(RetryPolicy.updated_at.desc(), RetryPolicy.id.desc())
    ).all()
    if category is None:
        return next((p for p in rows if not p.categories), None)
    named = [p for p in rows if category in p.categories]
    return named[0] if named else next((p for p in rows if not p.categories), None)


def effective_policy(
    session: Session,
    org_id: str,
    category: str | None,
    payment_method_type: str | None,
    org_timezone: str,
) -> Effective:
    if category is None:
        base = general_default(org_timezone)
    else:
        base = default_policy(category, payment_method_type, org_timezone)
    policy = active_policy_row(session, org_id, category)
    return Effective(policy, base if policy is None else merchant_spec(policy, base))


def policy_for(
    session: Session,
    org_id: str,
    category: str,
    payment_method_type: str | None,
    org_timezone: str,
) -> PolicySpec:
    """The org's active policy covering this category, merged onto the category's built-in
    default for the fields the API lacks; else that default, with windows in the org's zone."""
    return effective_policy(session, org_id, category, payment_method_type, org_timezone).spec


def _paydays(stored: list[int] | str | None, base: PolicySpec) -> Paydays:
    if stored == "auto":
        return "auto"
    return tuple(stored) if isinstance(stored, list) and stored else base.paydays


def merchant_spec(policy: RetryPolicy, base: PolicySpec) -> PolicySpec:
    """A merchant policy as the engine reads it; ``base`` is the category's built-in default."""
    quiet: tuple[time, time] | None = None
    if policy.quiet_start is not None and policy.quiet_end is not None:
        quiet = (time.fromisoformat(policy.quiet_start), time.fromisoformat(policy.quiet_end))
    channels = tuple(policy.channels)
    common = replace(
        base,
        id=policy.id,
        name=policy.name,
        version=policy.version,
        channels=channels,
        windows=parse_window_spec(policy.windows),
        quiet_hours=quiet,
        window_days=policy.window_days,
        learned_timing=bool(policy.learned_timing),
        paydays=_paydays(policy.paydays, base),
    )
    if not base.silent_retries:  # the category is never retried silently, whatever the policy
        return replace(common, link_after_attempt=base.link_after_attempt if channels else None)
    if policy.max_attempts == 0:  # messages only
        return replace(
            common,
            strategy="customer_only",
            silent_retries=False,
            max_attempts=0,
            initial_delay_minutes=policy.initial_delay_minutes,
            link_after_attempt=0 if channels else None,
        )
    link = base.link_after_attempt
    return replace(
        common,
        strategy="payday" if policy.strategy == "payday" else "backoff",
        silent_retries=True,
        max_attempts=policy.max_attempts,
        initial_delay_minutes=policy.initial_delay_minutes,
        backoff_multiplier=policy.backoff_multiplier,
        max_delay_minutes=policy.max_delay_minutes,
        link_after_attempt=None if link is None or not channels else min(link, policy.max_attempts),
    )
