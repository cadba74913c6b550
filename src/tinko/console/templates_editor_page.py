"""The templates pages' work: the channel x language grid, and the editor's states. Saving and
previewing call ``tinko.notify.template_service`` (as `/v1/templates` does); the sandbox's
problems carry their line, shown next to the field with that line marked; an SMS shows its
length, encoding and segments (``notify.segments``); a WhatsApp template its Content SID and the
values of {{1}}, {{2}}…"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tinko.audit import context as audit_context
from tinko.console.access import ConsoleUser
from tinko.errors import AppError
from tinko.kit.clock import Clock
from tinko.kit.pagination import PageParams
from tinko.notify import copy
from tinko.notify import template_service as service
from tinko.notify.contacts import CHANNELS
from tinko.notify.models import MessageTemplateVersion
from tinko.notify.render import Rendered
from tinko.notify.segments import SmsLength, sms_length
from tinko.notify.templating import VARIABLES, TemplateRejected, check_source
from tinko.payments.models import Transaction
from tinko.recovery.link_message import case_variables
from tinko.recovery.models import RecoveryCase
from tinko.tenancy.models import Organization

DEFAULT_PREFIX: Final = copy.DEFAULT_TEMPLATE_ID_PREFIX
PREVIEW_LINK: Final = "https://pay.example.com/pay/PREVIEW"


@dataclass
class TemplateForm:
    template_id: str
    channel: str
    locale: str
    name: str = ""
    subject: str = ""
    body: str = ""
    html: str = ""
    provider_template_id: str = ""
    provider_variables: str = ""  # comma-separated names
    active: bool = True
    case: str = ""  # a case id or payment reference for the real-case preview


@dataclass
class TemplateEditor:
    form: TemplateForm
    default: bool
    version: int | None = None
    versions: list[MessageTemplateVersion] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    bad_lines: dict[str, int] = field(default_factory=dict)  # field -> line with the problem
    rendered: Rendered | None = None
    length: SmsLength | None = None
    whatsapp: list[tuple[int, str, str]] = field(default_factory=list)  # (n, name, value)
    from_case: bool = False
    status: int = 200


def grid(session: Session, org_id: str) -> dict[tuple[str, str], list[Any]]:
    """(channel, language) -> the org's templates there (newest version), else []."""
    cells: dict[tuple[str, str], list[Any]] = {
        (c, lang): [] for c in CHANNELS for lang in copy.LOCALES
    }
    for template, version in service.list_templates(session, org_id, PageParams(limit=200)):
        cells.setdefault((template.channel, template.locale), []).append((template, version))
    return cells


def open_editor(
    session: Session, org_id: str, template_id: str, version: int | None
) -> TemplateEditor:
    if template_id.startswith(DEFAULT_PREFIX):
        d = service.shipped_default(template_id)
        form = TemplateForm(
            template_id, d.channel, d.locale, d.name, d.subject or "", d.body, d.html or ""
        )
        return TemplateEditor(form, default=True)
    template, current = service.get_template(session, org_id, template_id)
    versions = service.list_versions(session, org_id, template_id)
    shown = next((v for v in versions if v.version == version), current)
    form = TemplateForm(
        template.id,
        template.channel,
        template.locale,
        shown.name,
        shown.subject or "",
        shown.body,
        shown.html or "",
        shown.provider_template_id or "",
        ", ".join(shown.provider_variables),
        template.active,
    )
    return TemplateEditor(form, default=False, version=shown.version, versions=versions)


def read_form(data: Any, editor: TemplateEditor) -> None:
    f = editor.form
    for name in (
        "name",
        "subject",
        "body",
        "html",
        "provider_template_id",
        "provider_variables",
        "case",
    ):
        setattr(f, name, str(data.get(name) or "").replace("\r\n", "\n"))
    f.active = data.get("active") == "on"


def api_fields(f: TemplateForm) -> dict[str, Any]:
    """The form in the `/v1/templates` body's shape."""
    whatsapp = f.channel == "whatsapp"
    names = [n.strip() for n in f.provider_variables.split(",") if n.strip()]
    return {
        "channel": f.channel,
        "locale": f.locale,
        "name": f.name.strip(),
        "subject": f.subject if f.channel == "email" else None,
        "body": f.body,
        "html": (f.html or None) if f.channel == "email" else None,
        "kind": "recovery_link",
        "active": f.active,
        "provider_template_id": (f.provider_template_id.strip() or None) if whatsapp else None,
        "provider_variables": (names or None) if whatsapp else None,
    }


def _checked(editor: TemplateEditor) -> dict[str, Any] | None:
    """The service's check; its problems by field, with the sandbox's line marked."""
    fields = api_fields(editor.form)
    if not fields["name"]:
        editor.errors["name"] = "a name is needed"
    for name in ("subject", "body", "html"):
        source = fields.get(name)
        if source is None:
            continue
        try:
            check_source(source, name)
        except TemplateRejected as exc:
            problem = exc.problems[0]
            editor.errors[name] = f"line {problem.line}: {problem.message}"
            editor.bad_lines[name] = problem.line
    if editor.errors:
        return None
    try:
        return service.check_template(fields)
    except AppError as exc:
        for error in exc.errors or [{"loc": ["body", "body"], "msg": exc.detail}]:
            editor.errors[str(error["loc"][-1])] = str(error["msg"])
        return None


def preview(session: Session, clock: Clock, user: ConsoleUser, editor: TemplateEditor) -> None:
    stored = _checked(editor)
    if stored is None:
        editor.status = 422
        return
    sample = None
    if editor.form.case.strip():
        sample = _case_sample(
            session, clock, user.org_id, editor.form.case.strip(), stored["locale"]
        )
        if sample is None:
            editor.errors["case"] = "no recovery with this id or payment reference"
            editor.status = 422
            return
        editor.from_case = True
    editor.rendered = service.preview(stored, sample)
    if stored["channel"] == "sms":
        editor.length = sms_length(editor.rendered.text)
    if stored["channel"] == "whatsapp":
        values = service.sample_values(stored["locale"], sample)
        editor.whatsapp = [
            (n, name, str(values.get(name, "")))
            for n, name in enumerate(stored["provider_variables"], 1)
        ]


def _case_sample(
    session: Session, clock: Clock, org_id: str, ref: str, lang: str
) -> dict[str, Any] | None:
    row = session.execute(
        select(RecoveryCase, Transaction)
        .join(Transaction, Transaction.id == RecoveryCase.transaction_id)
        .where(
            RecoveryCase.org_id == org_id,
            Transaction.org_id == org_id,
            or_(RecoveryCase.id == ref, Transaction.transaction_ref == ref),
        )
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    case, transaction = row
    org = session.get_one(Organization, org_id)
    expires = case.expires_at or clock.now() + timedelta(days=2)
    variables = case_variables(org, case, transaction, lang, PREVIEW_LINK, expires)
    methods = variables.pop("alternate_methods")
    return {**{k: str(v) for k, v in variables.items()}, "alternate_methods": list(methods)}  # type: ignore[call-overload]


def save(session: Session, clock: Clock, user: ConsoleUser, editor: TemplateEditor) -> str | None:
    """The saved template's page, or None with the errors on the editor."""
    audit_context.set_actor("user", user.user_id)
    if _checked(editor) is None:
        editor.status = 422
        return None
    fields = api_fields(editor.form)
    if editor.default:
        template, version = service.create_template(
            session, clock, user.org_id, fields, user.user_id
        )
    else:
        template, version = service.save_version(
            session, clock, user.org_id, editor.form.template_id, fields, user.user_id
        )
    return f"/console/templates/{template.id}?saved={version.version}"


def editor_context(editor: TemplateEditor, user: ConsoleUser) -> dict[str, Any]:
    return {
        "e": editor,
        "f": editor.form,
        "admin": user.at_least("admin"),
        "variables": VARIABLES,
        "zone": user.org_timezone,
    }
