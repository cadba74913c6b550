"""`/console/rules`: the list in evaluation order (move up/down, enable/disable), and the
builder for one rule. Every change goes through `tinko.rules.service`, as the API's do: the
builder's form becomes the API's JSON, the service's 422 locations come back next to their
controls, and a save names the version it edited (a rule saved meanwhile is not overwritten).

Without JavaScript the builder is one form: its add/remove buttons post the whole state back
and the page comes back with the change made, nothing typed lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Final

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from tinko.console import rules_form as rf
from tinko.console.access import ConsoleAdminDep, ConsoleAdminPostDep, ConsoleUser, ConsoleUserDep
from tinko.console.rendering import redirect, render_page
from tinko.console.rules_history import install
from tinko.console.rules_words import words
from tinko.deps import ClockDep, SessionDep, TinkoRouter
from tinko.errors import NotFound
from tinko.kit.clock import Clock
from tinko.kit.pagination import PageParams
from tinko.rules import MAX_DEPTH, RETRY_WINDOWS, service
from tinko.rules.api import RuleIn

router = TinkoRouter(
    prefix="/console", default_response_class=HTMLResponse, include_in_schema=False
)
install(router)
NOTICES: Final = ("saved", "moved", "enabled", "disabled", "changed", "restored")
ALL_RULES: Final = PageParams(limit=200)


async def posted(request: Request) -> FormData:
    """The builder's fields (their names depend on the tree, so no fixed parameters)."""
    return await request.form(max_fields=4000)


PostedForm = Annotated[FormData, Depends(posted)]


def page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    return render_page(request, template, {"w": words, **context}, status=status)


def not_found(request: Request) -> Response:
    return render_page(request, "console/problem.html", {"kind": "not_found"}, status=404)


@router.get("/rules")
def rules_list(request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    rows = sorted(
        service.list_rules(session, user.org_id, ALL_RULES)[: ALL_RULES.limit],
        key=lambda row: (row[1].priority, row[0].id),
    )
    notice = request.query_params.get("done")
    context = {"rows": rows, "notice": notice if notice in NOTICES else None}
    return page(request, "console/rules/list.html", context)


@router.post("/rules/{rule_id}/move")
def move(
    rule_id: str,
    request: Request,
    user: ConsoleAdminPostDep,
    session: SessionDep,
    clock: ClockDep,
    step: Annotated[int, Form(ge=-1, le=1)] = 0,
) -> Response:
    try:
        service.move_rule(session, clock, user.org_id, rule_id, step, user.user_id)
    except NotFound:
        return not_found(request)
    return redirect(request, f"/console/rules?done=moved#rule-{rule_id}")


@router.post("/rules/{rule_id}/enabled")
def toggle(
    rule_id: str,
    request: Request,
    user: ConsoleAdminPostDep,
    session: SessionDep,
    clock: ClockDep,
    version: Annotated[int, Form(ge=1)],
    enabled: Annotated[bool, Form()] = False,
) -> Response:
    try:
        _switch(session, clock, user, rule_id, version, enabled=enabled)
    except NotFound:
        return not_found(request)
    except service.RuleChanged:
        return redirect(request, f"/console/rules?done=changed#rule-{rule_id}")
    return redirect(request, f"/console/rules?done={'enabled' if enabled else 'disabled'}")


def _switch(
    session: Session, clock: Clock, user: ConsoleUser, rule_id: str, version: int, *, enabled: bool
) -> None:
    """On or off: the current version's content with `enabled` changed, as a new version."""
    _, current = service.get_rule(session, user.org_id, rule_id)
    fields = {**service.fields_of(current), "enabled": enabled}
    service.save_version(
        session, clock, user.org_id, rule_id, fields, user.user_id, expected_version=version
    )


@router.get("/rules/new")
def new_rule(request: Request, user: ConsoleAdminDep) -> Response:
    form = rf.RuleForm()
    rf.number(form.root, "r", 1)
    return builder_page(request, user, form)


@router.get("/rules/{rule_id}")
def edit_rule(
    rule_id: str, request: Request, user: ConsoleUserDep, session: SessionDep
) -> Response:
    try:
        rule, version = service.get_rule(session, user.org_id, rule_id)
    except NotFound:
        return not_found(request)
    form = rf.from_rule(rule.id, version.version, service.fields_of(version))
    done = request.query_params.get("done")
    return builder_page(request, user, form, notice=done if done in NOTICES else None)


@router.post("/rules/builder")
def builder_post(
    request: Request,
    user: ConsoleAdminPostDep,
    session: SessionDep,
    clock: ClockDep,
    posted_form: PostedForm,
) -> Response:
    form = rf.from_form(rf.Posted(posted_form.multi_items()))
    command = str(posted_form.get("do") or "refresh")
    if command == "save" or command.startswith("overwrite:"):
        return save(request, session, clock, user, form, command)
    rf.apply(form, command)
    return builder_page(request, user, form)


def save(
    request: Request, session: Session, clock: Clock, user: ConsoleUser, form: rf.RuleForm,
    command: str,
) -> Response:  # fmt: skip
    """Create or save a new version; the form again with the errors (422) or the news that
    the rule changed meanwhile (409), the person's work kept either way."""
    expected = command.partition(":")[2] or form.version
    # An edit always names its version; one that does not parse never matches (no overwrite).
    version = int(expected) if expected.isdigit() else 0
    try:
        rule_id = _save(session, clock, user, form, version)
    except service.RuleInvalid as invalid:
        rf.attach(form, invalid.errors or [])
        return builder_page(request, user, form, status=422)
    except service.RuleChanged as changed:
        return builder_page(request, user, form, status=409, changed=changed.current)
    except NotFound:
        return not_found(request)
    return redirect(request, f"/console/rules/{rule_id}?done=saved")


def _save(
    session: Session, clock: Clock, user: ConsoleUser, form: rf.RuleForm, expected: int
) -> str:
    body = rf.to_body(form)
    try:
        fields = RuleIn.model_validate(body).model_dump()
    except ValidationError as exc:
        errors: list[Mapping[str, Any]] = [
            {"loc": ["body", *e["loc"]], "msg": e["msg"]} for e in exc.errors()
        ]
        try:  # the conditions' and actions' problems too, so one answer lists them all
            service.check_rule(body["conditions"], body["actions"])
        except service.RuleInvalid as invalid:
            errors += invalid.errors or []
        raise service.RuleInvalid(errors) from exc
    if not form.rule_id:
        return service.create_rule(session, clock, user.org_id, fields, user.user_id)[0].id
    service.save_version(
        session, clock, user.org_id, form.rule_id, fields, user.user_id, expected_version=expected
    )
    return form.rule_id


def builder_page(
    request: Request,
    user: ConsoleUser,
    form: rf.RuleForm,
    *,
    status: int = 200,
    notice: str | None = None,
    changed: int | None = None,
) -> Response:
    context = {
        "form": form,
        "choices": rf.CHOICES,
        "windows": RETRY_WINDOWS,
        "can_edit": user.at_least("admin"),
        "notice": notice,
        "changed": changed,
        "max_depth": MAX_DEPTH,
    }
    return page(request, "console/rules/builder.html", context, status=status)
