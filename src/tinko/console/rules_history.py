"""A rule's versions with a readable diff and rollback, and the rules tester (a hand-made
context or a real past case, with the engine's trace). Routes join `rules_pages.router`.

The diff is `difflib` (standard library) over each version as canonical, pretty JSON (keys
sorted, two-space indent): the stored form is already normalised, so only real changes show.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from tinko.console.access import ConsoleAdminPostDep, ConsoleUserDep
from tinko.console.rendering import redirect, render_page
from tinko.console.rules_words import words
from tinko.deps import ClockDep, SessionDep, TinkoRouter
from tinko.errors import NotFound, Unprocessable
from tinko.kit.pagination import PageParams
from tinko.recovery.planning import case_rule_context
from tinko.rules import CONTEXT_FIELDS, service
from tinko.rules.fields import CUSTOMER_FIELD, METADATA_FIELD
from tinko.rules.models import RecoveryRuleVersion

PLAIN_FIELDS: Final = tuple(f for f in CONTEXT_FIELDS if f not in (CUSTOMER_FIELD, METADATA_FIELD))


@dataclass(frozen=True)
class DiffLine:
    sign: str  # "+", "-" or " "
    text: str


def canonical(version: RecoveryRuleVersion) -> list[str]:
    return json.dumps(
        service.fields_of(version), indent=2, sort_keys=True, ensure_ascii=False
    ).split("\n")


def diff(old: RecoveryRuleVersion, new: RecoveryRuleVersion) -> list[DiffLine]:
    lines = difflib.unified_diff(canonical(old), canonical(new), lineterm="", n=3)
    out = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        sign = line[0] if line[:1] in ("+", "-", " ") else "@"
        out.append(DiffLine(sign, line[1:] if sign != "@" else "…"))
    return out


def versions(rule_id: str, request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    try:
        rows = service.list_versions(session, user.org_id, rule_id)
    except NotFound:
        return render_page(request, "console/problem.html", {"kind": "not_found"}, status=404)
    context = {"rule_id": rule_id, "w": words, **compare(rows, request.query_params)}
    return render_page(request, "console/rules/versions.html", context)


def compare(rows: list[RecoveryRuleVersion], query: Any) -> dict[str, Any]:
    """Versions `a` → `b` (default: the one before the current → the current)."""
    by_number = {row.version: row for row in rows}
    new = by_number.get(_int(query.get("b")), rows[0])
    old = by_number.get(_int(query.get("a")), by_number.get(new.version - 1, new))
    return {
        "rows": rows,
        "old": old,
        "new": new,
        "lines": diff(old, new),
        "restored": _int(query.get("restored")),
        "changed": query.get("changed") == "1",
    }


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def rollback(
    rule_id: str,
    request: Request,
    user: ConsoleAdminPostDep,
    session: SessionDep,
    clock: ClockDep,
    version: Annotated[int, Form(ge=1)],
    current: Annotated[int, Form(ge=1)],
) -> Response:
    """Saves `version`'s content as the next version, if the rule is still at `current`."""
    try:
        _, saved = service.restore_version(
            session, clock, user.org_id, rule_id, version, user.user_id, expected_version=current
        )
    except NotFound:
        return render_page(request, "console/problem.html", {"kind": "not_found"}, status=404)
    except service.RuleChanged:
        return redirect(request, f"/console/rules/{rule_id}/versions?changed=1")
    return redirect(request, f"/console/rules/{rule_id}/versions?restored={saved.version}")


def tester(
    request: Request, user: ConsoleUserDep, session: SessionDep, clock: ClockDep
) -> Response:
    """GET: testing changes nothing, and the address can be shared."""
    query = request.query_params
    context: dict[str, Any] = {"values": dict(query), "fields": CONTEXT_FIELDS, "w": words}
    context.update(decision=None, error=None, case=None, rule_names={}, sample=None)
    status = 200
    if query.get("source") in ("case", "form"):
        try:
            context.update(run_test(session, user.org_id, query, clock.now()))
        except (NotFound, Unprocessable) as refused:
            context["error"], status = refused.detail, 422
    return render_page(request, "console/rules/tester.html", context, status=status)


def run_test(session: Session, org_id: str, query: Any, now: datetime) -> dict[str, Any]:
    """The org's rules on a real case (`source=case`) or a hand-made payment."""
    case = None
    if query.get("source") == "case":
        case, sample = case_rule_context(session, org_id, query.get("case", ""), now)
    else:
        sample = hand_made(query)
    decision = service.try_rules(session, org_id, sample)
    names = {rule.id: version.name for rule, version in service.list_rules(session, org_id, ALL)}
    return {"decision": decision, "sample": sample, "rule_names": names, "case": case}


ALL: Final = PageParams(limit=200)


def install(router: TinkoRouter) -> None:
    """Adds these pages to the rules router (one router in console/routes.py). The tester
    comes first: `/rules/test` is not a rule id."""
    router.get("/rules/test")(tester)
    router.get("/rules/{rule_id}/versions")(versions)
    router.post("/rules/{rule_id}/rollback")(rollback)


def hand_made(query: Any) -> dict[str, object]:
    """The context from the tester's form: typed as the catalogue says; customer and
    metadata from `name=value` lines (numbers and true/false typed, the rest text)."""
    sample: dict[str, object] = {}
    for name in PLAIN_FIELDS:
        text = str(query.get(name, "")).strip()
        if text:
            sample[name] = _typed(text, CONTEXT_FIELDS[name].kind)
    for prefix in ("customer", "metadata"):
        pairs = {}
        for line in str(query.get(prefix, "")).splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip():
                pairs[key.strip()] = _typed(value.strip(), "any")
        if pairs:
            sample[prefix] = pairs
    return sample


def _typed(text: str, kind: str) -> object:
    if kind in ("bool", "any") and text in ("true", "false"):
        return text == "true"
    if kind in ("number", "any"):
        for convert in (int, float):
            try:
                return convert(text)
            except ValueError:
                continue
    return text
