"""Routes of docs/api.md "The endpoint groups": `/v1/retry-policies`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from tinko.classifier import CATEGORIES
from tinko.deps import AdminDep, ClockDep, SessionDep, TinkoRouter, ViewerDep
from tinko.errors import Unprocessable
from tinko.intake.schemas import PaymentMethodType
from tinko.kit.pagination import Page, PageDep, page_of
from tinko.policies import service
from tinko.policies.defaults import PolicySpec
from tinko.policies.models import RetryPolicy
from tinko.policies.schemas import ActivePolicyOut, PolicyIn, PolicyOut, PolicyPatch, QuietHours
from tinko.policies.windows import window_spec_to_dict
from tinko.tenancy.service import get_org

router = TinkoRouter(prefix="/v1/retry-policies", tags=["retry policies"])
CategoryQuery = Annotated[
    str | None, Query(max_length=64, description="A decline category; omit for the catch-all.")
]


def policy_out(policy: RetryPolicy) -> PolicyOut:
    return PolicyOut(
        id=policy.id,
        builtin=False,
        **service.api_fields(policy),
        version=policy.version,
        created_at=policy.created_at,
        updated_at=policy.updated_at,
    )


def _builtin_out(spec: PolicySpec, category: str | None) -> PolicyOut:
    quiet = spec.quiet_hours
    return PolicyOut(
        id=None,
        builtin=True,
        name=spec.name,
        strategy=spec.strategy,
        max_attempts=spec.max_attempts,
        initial_delay_minutes=spec.initial_delay_minutes,
        backoff_multiplier=spec.backoff_multiplier,
        max_delay_minutes=spec.max_delay_minutes,
        channels=list(spec.channels),
        windows=window_spec_to_dict(spec.windows),
        window_days=spec.window_days,
        active=True,
        quiet_hours=QuietHours(start=f"{quiet[0]:%H:%M}", end=f"{quiet[1]:%H:%M}")
        if quiet
        else None,
        categories=[category] if category else [],
        created_at=None,
        updated_at=None,
    )


def _active_out(
    effective: service.Effective, category: str | None, method: str | None
) -> ActivePolicyOut:
    spec = effective.spec
    shown = policy_out(effective.policy) if effective.policy else _builtin_out(spec, category)
    return ActivePolicyOut(
        **shown.model_dump(exclude={"paydays"}),  # the active view shows the effective days
        category=category,
        payment_method_type=method,
        effective_strategy=spec.strategy,
        silent_retries=spec.silent_retries,
        effective_max_attempts=spec.max_attempts,
        link_after_attempt=spec.link_after_attempt,
        paydays=spec.paydays if isinstance(spec.paydays, str) else list(spec.paydays),
    )


@router.post("", status_code=201)
def create_policy(
    body: PolicyIn, principal: AdminDep, session: SessionDep, clock: ClockDep
) -> PolicyOut:
    """Creates a retry policy (admin): how many silent retries, how far apart, in which hours,
    and the message channels. Saving it active deactivates overlapping active policies.
    """
    fields = body.model_dump()
    policy = service.create_policy(session, clock, principal.org_id, fields, principal.id)
    return policy_out(policy)


@router.get("")
def list_policies(principal: ViewerDep, session: SessionDep, page: PageDep) -> Page[PolicyOut]:
    """The organisation's retry policies."""
    rows = service.list_policies(session, principal.org_id, page)
    return page_of(rows, page, policy_out)


@router.get("/active")
def active_policy(
    principal: ViewerDep,
    session: SessionDep,
    category: CategoryQuery = None,
    payment_method_type: PaymentMethodType | None = None,
) -> ActivePolicyOut:
    """The policy that applies to `category` (or, without one, the org's catch-all policy):
    the org's active policy, else the built-in default (`"id": null, "builtin": true`)."""
    if category is not None and category not in CATEGORIES:
        raise Unprocessable(f"unknown category {category!r}", loc=["query", "category"])
    timezone = get_org(session, principal.org_id).timezone
    effective = service.effective_policy(
        session, principal.org_id, category, payment_method_type, timezone
    )
    return _active_out(effective, category, payment_method_type)


@router.get("/{policy_id}")
def get_policy(policy_id: str, principal: ViewerDep, session: SessionDep) -> PolicyOut:
    """One retry policy."""
    return policy_out(service.get_policy(session, principal.org_id, policy_id))


@router.put("/{policy_id}")
def replace_policy(
    policy_id: str, body: PolicyIn, principal: AdminDep, session: SessionDep, clock: ClockDep
) -> PolicyOut:
    """Replaces a retry policy whole (admin)."""
    fields = body.model_dump()
    return policy_out(service.replace_policy(session, clock, principal.org_id, policy_id, fields))


@router.patch("/{policy_id}")
def patch_policy(
    policy_id: str, body: PolicyPatch, principal: AdminDep, session: SessionDep, clock: ClockDep
) -> PolicyOut:
    """Changes some fields of a retry policy (admin); `windows` is replaced whole and
    `quiet_hours: null` clears them.
    """
    changes = body.model_dump(exclude_unset=True)
    return policy_out(service.patch_policy(session, clock, principal.org_id, policy_id, changes))


@router.delete("/{policy_id}", status_code=204)
def delete_policy(policy_id: str, principal: AdminDep, session: SessionDep) -> Response:
    """Deletes a retry policy (admin); recoveries fall back to another active policy or the
    built-in default.
    """
    service.delete_policy(session, principal.org_id, policy_id)
    return Response(status_code=204)
