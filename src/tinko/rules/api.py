"""Routes of `/v1/rules` (docs/api.md): admins write; viewers read and test."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Header, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from tinko.deps import AdminDep, ClockDep, SessionDep, TinkoRouter, ViewerDep
from tinko.errors import AppError, Unprocessable
from tinko.kit.pagination import Page, PageDep, page_of
from tinko.rules import service
from tinko.rules.models import RecoveryRule, RecoveryRuleVersion

router = TinkoRouter(prefix="/v1/rules", tags=["rules"])

_CONDITIONS_DOC = (
    '`{"all": [...]}`, `{"any": [...]}`, `{"not": cond}` or `{"field", "op", "value"}`; '
    "see docs/api.md for the fields and operators."
)
_ACTIONS_DOC = "1-10 actions: retry, send_link, offer_methods, notify_merchant, stop (last)."


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=4096)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    priority: Annotated[
        StrictInt, Field(ge=0, le=1_000_000, description="Lower runs first; ties by rule id.")
    ] = 100
    enabled: StrictBool = True
    conditions: Annotated[Any, Field(description=_CONDITIONS_DOC)]
    actions: Annotated[Any, Field(description=_ACTIONS_DOC)]


class RuleOut(BaseModel):
    id: str
    version: int
    name: str
    priority: int
    enabled: bool
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


class RuleVersionOut(BaseModel):
    id: str  # the rule's id; (id, version) names the version
    version: int
    name: str
    priority: int
    enabled: bool
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    created_at: datetime
    created_by: str | None


class RuleTestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    context: Annotated[
        dict[str, Any],
        Field(description="A failed payment as the rules see it (at most 64 KB of JSON)."),
    ]


class RuleMatch(BaseModel):
    rule_id: str
    version: int


class RuleTestOut(BaseModel):
    matched: RuleMatch | None
    actions: list[dict[str, Any]]
    trace: list[dict[str, Any]]


def rule_out(rule: RecoveryRule, version: RecoveryRuleVersion) -> RuleOut:
    return RuleOut(
        id=rule.id,
        version=version.version,
        name=version.name,
        priority=version.priority,
        enabled=version.enabled,
        conditions=version.conditions,
        actions=version.actions,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )


class PreconditionFailed(AppError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"


def parse_if_match(value: str | None) -> int | None:
    """`"3"`, `W/"3"` or `3` → 3; `*` or nothing → no check (RFC 9110 §13.1.1)."""
    if value is None or value.strip() == "*":
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise Unprocessable('If-Match takes the rule\'s ETag, e.g. "3"', loc=["header", "If-Match"])
    return int(text)


def with_etag(response: Response, out: RuleOut) -> RuleOut:
    response.headers["ETag"] = f'"{out.version}"'
    return out


def version_out(version: RecoveryRuleVersion) -> RuleVersionOut:
    return RuleVersionOut(
        id=version.rule_id,
        version=version.version,
        name=version.name,
        priority=version.priority,
        enabled=version.enabled,
        conditions=version.conditions,
        actions=version.actions,
        created_at=version.created_at,
        created_by=version.created_by,
    )


@router.post("", status_code=201)
def create_rule(
    body: RuleIn, principal: AdminDep, session: SessionDep, clock: ClockDep, response: Response
) -> RuleOut:
    """Creates a recovery rule (admin): conditions on the failure and the actions to take when
    they match. Rules run by `priority`, lowest first; the first match wins.
    """
    fields = body.model_dump()
    created = service.create_rule(session, clock, principal.org_id, fields, principal.id)
    return with_etag(response, rule_out(*created))


@router.get("")
def list_rules(principal: ViewerDep, session: SessionDep, page: PageDep) -> Page[RuleOut]:
    """The organisation's rules, each at its latest version."""
    rows = service.list_rules(session, principal.org_id, page)
    return page_of(rows, page, lambda row: rule_out(*row), id_of=lambda row: row[0].id)


@router.post("/test")
def run_rules_test(body: RuleTestIn, principal: ViewerDep, session: SessionDep) -> RuleTestOut:
    """Which rule would match this context, its actions, and the evaluation step by step."""
    decision = service.try_rules(session, principal.org_id, body.context)
    return RuleTestOut.model_validate(decision.to_dict())


@router.get("/{rule_id}")
def get_rule(
    rule_id: str, principal: ViewerDep, session: SessionDep, response: Response
) -> RuleOut:
    """One rule at its latest version; its `ETag` is the version, for `If-Match` on PUT."""
    return with_etag(response, rule_out(*service.get_rule(session, principal.org_id, rule_id)))


_IF_MATCH_DOC = (
    'The version you edited, as the ETag of GET gave it (`"3"`): if the rule was saved since, '
    "the answer is 412 and nothing is saved. Without it the save always wins."
)
IfMatch = Annotated[str | None, Header(max_length=40, description=_IF_MATCH_DOC)]


@router.put("/{rule_id}", responses={412: {"description": "The rule changed since If-Match."}})
def save_rule_version(
    rule_id: str,
    body: RuleIn,
    principal: AdminDep,
    session: SessionDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatch = None,
) -> RuleOut:
    """Saves the body as the rule's next version; earlier versions stay as they were."""
    fields, expected = body.model_dump(), parse_if_match(if_match)
    try:
        saved = service.save_version(
            session,
            clock,
            principal.org_id,
            rule_id,
            fields,
            principal.id,
            expected_version=expected,
        )
    except service.RuleChanged as exc:  # If-Match failed: RFC 9110 §13.1.1 says 412
        raise PreconditionFailed(exc.detail, extensions=exc.extensions) from exc
    return with_etag(response, rule_out(*saved))


@router.delete("/{rule_id}", status_code=204)
def delete_rule(
    rule_id: str, principal: AdminDep, session: SessionDep, clock: ClockDep
) -> Response:
    """Deletes a rule (admin); recoveries that used it keep their record of which version did."""
    service.delete_rule(session, clock, principal.org_id, rule_id)
    return Response(status_code=204)


@router.get("/{rule_id}/versions")
def list_rule_versions(
    rule_id: str, principal: ViewerDep, session: SessionDep
) -> Page[RuleVersionOut]:
    """Every version of the rule, newest first."""
    versions = service.list_versions(session, principal.org_id, rule_id)
    return Page(data=[version_out(v) for v in versions])
