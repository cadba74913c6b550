"""The retry-policy pages' work: the list, the editor's states and what each button of the
editor does. Every write goes through ``tinko.policies.service`` (as `/v1/retry-policies`
does); activation also needs the signed proof that a backtest of that exact version was shown,
and is recorded in the audit log with the figures the person saw."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tinko.audit import context as audit_context
from tinko.audit.writer import record
from tinko.classifier import CATEGORIES
from tinko.console import policies_form as pf
from tinko.console import policies_preview as pv
from tinko.console.access import ConsoleUser
from tinko.kit.clock import Clock
from tinko.kit.pagination import PageParams
from tinko.policies import service
from tinko.rules import CHANNELS

NEW = "new"


@dataclass
class Editor:
    """One state of the editor page."""

    policy_id: str  # "new" before the first save
    form: pf.PolicyForm
    stored_active: bool = False
    version: int | None = None
    errors: dict[str, str] = field(default_factory=dict)
    samples: list[pv.Sample] | None = None
    result: pv.Backtest | None = None
    no_history: bool = False
    scenario: str = ""
    token: str = ""
    status: int = 200


def list_context(session: Session, user: ConsoleUser) -> dict[str, Any]:
    rows = service.list_policies(session, user.org_id, PageParams(limit=100))
    return {"policies": rows, "admin": user.at_least("admin")}


def open_editor(session: Session, user: ConsoleUser, policy_id: str) -> Editor:
    if policy_id == NEW:
        return Editor(NEW, pf.new_form(user.org_timezone))
    policy = service.get_policy(session, user.org_id, policy_id)
    return Editor(policy.id, pf.form_of(policy), policy.active, policy.version)


def submitted(
    session: Session, clock: Clock, secret: str, user: ConsoleUser, data: Any
) -> Editor | str:
    """What a button of the editor did: the page to show again, or where to go (a str)."""
    audit_context.set_actor("user", user.user_id)
    policy_id = str(data.get("policy_id") or NEW)
    editor = open_editor(session, user, policy_id)
    editor.form = pf.read_form(data, data.getlist)
    editor.scenario = str(data.get("scenario") or "")
    op = str(data.get("op") or "preview")
    if op == "add_range":
        pf.add_row(editor.form)
    elif op.startswith("remove_range-"):
        pf.remove_row(editor.form, pf.int_or(op.removeprefix("remove_range-"), -1))
    elif op == "save":
        return _save(session, clock, user, editor)
    elif op == "activate":
        return _activate(session, clock, secret, user, editor, str(data.get("token") or ""))
    else:
        _preview(session, clock, secret, user, editor)
    return editor


def _preview(
    session: Session, clock: Clock, secret: str, user: ConsoleUser, editor: Editor
) -> dict[str, Any] | None:
    values, editor.errors = pf.to_fields(editor.form, active=False)
    if values is None:
        editor.status = 422
        return None
    now = clock.now()
    edited = pv.transient_policy(user.org_id, values, now)
    editor.samples = pv.preview(edited, user.org_timezone, now)
    scenario = pv.history_scenario(session, user.org_id, user.org_timezone)
    source = "history"
    if scenario is None:
        editor.no_history = True
        if editor.scenario not in pv.SCENARIOS:
            return values
        scenario, source = pv.shipped_scenario(editor.scenario), editor.scenario
    active = service.active_policy_row(session, user.org_id, None)
    editor.result = pv.backtest(scenario, source, edited, active)
    editor.token = pv.backtest_token(secret, user.org_id, editor.policy_id, values)
    return values


def _save(session: Session, clock: Clock, user: ConsoleUser, editor: Editor) -> Editor | str:
    if editor.stored_active:  # a change to the live policy must be backtested and activated
        editor.errors = {"save": "active"}
        editor.status = 422
        return editor
    return _write(session, clock, user, editor, active=False) or editor


def _activate(
    session: Session, clock: Clock, secret: str, user: ConsoleUser, editor: Editor, token: str
) -> Editor | str:
    values, editor.errors = pf.to_fields(editor.form, active=True)
    if values is None:
        editor.status = 422
        return editor
    if not token or not pv.token_matches(secret, user.org_id, editor.policy_id, values, token):
        editor.errors = {"activate": "backtest"}
        editor.status = 422
        return editor
    target = _write(session, clock, user, editor, active=True)
    if isinstance(target, str):
        policy_id = target.rsplit("/", 1)[-1].split("?")[0]
        record(
            session,
            user.org_id,
            "retry_policy.activated",
            targets=[("retry_policy", policy_id)],
            changes={"backtest_digest": pv.digest(values)},
        )
        return f"/console/policies?activated={policy_id}"
    return editor


def _write(
    session: Session, clock: Clock, user: ConsoleUser, editor: Editor, *, active: bool
) -> str | None:
    fields, editor.errors = _api_fields(editor.form, active)
    if fields is None:
        editor.status = 422
        return None
    try:
        if editor.policy_id == NEW:
            policy = service.create_policy(session, clock, user.org_id, fields, user.user_id)
        else:
            policy = service.replace_policy(session, clock, user.org_id, editor.policy_id, fields)
    except service.PolicyInvalid as exc:
        editor.errors = {pf.control_id(e["loc"][1:]): e["msg"] for e in exc.errors or []}
        editor.status = 422
        return None
    return f"/console/policies/{policy.id}?saved=1"


def _api_fields(form: pf.PolicyForm, active: bool) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Checked column values → the API's input shape, for the service's create/replace."""
    values, errors = pf.to_fields(form, active)
    if values is None:
        return None, errors
    quiet = None
    if values["quiet_start"] is not None:
        quiet = {"start": values["quiet_start"], "end": values["quiet_end"]}
    fields = {k: v for k, v in values.items() if k not in ("quiet_start", "quiet_end")}
    return {**fields, "quiet_hours": quiet}, {}


def editor_context(editor: Editor, user: ConsoleUser) -> dict[str, Any]:
    return {
        "e": editor,
        "f": editor.form,
        "admin": user.at_least("admin"),
        "presets": pf.PRESETS,
        "day_names": pf.DAY_NAMES,
        "channels": CHANNELS,
        "categories": CATEGORIES,
        "scenarios": pv.SCENARIOS,
        "zone": user.org_timezone,
        "local": local,
    }


def local(moment: datetime, timezone: str) -> str:
    from tinko.policies.windows import zone

    return moment.astimezone(zone(timezone)).strftime("%a %d %b %H:%M")
