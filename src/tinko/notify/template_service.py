"""Template use cases: checked, versioned saves and the template a message is rendered from.

Like rules, every save (POST, PUT) writes a new immutable version and moves the template's
`current_version`; DELETE stamps `deleted_at`. At most one live template is active per
(org, channel, locale, kind): saving one active deactivates the others. Services flush, never
commit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final, cast

from sqlalchemy import Select, and_, select, update
from sqlalchemy.orm import Session

from tinko.errors import AppError, NotFound, Unprocessable
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.pagination import PageParams, paginate
from tinko.notify import copy
from tinko.notify.contacts import CHANNELS
from tinko.notify.models import MessageTemplate, MessageTemplateVersion
from tinko.notify.render import (
    Rendered,
    TemplateContent,
    render_message,
    variables_for,
)
from tinko.notify.templating import VARIABLES, TemplateRejected, check_source

KINDS: Final = ("recovery_link",)
# Rendered with sample data, an SMS or WhatsApp template must leave room for long names and
# links under Twilio's 1,600-character limit.
MAX_RENDERED_TEXT: Final = 1000
DEFAULT_PROVIDER_VARIABLES: Final = ("customer_name", "amount", "merchant", "link")
_CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")
_LOCALE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$")
_NOT_FOUND = "No such template in your organisation."


class TemplateInvalid(Unprocessable):
    def __init__(self, errors: Sequence[Mapping[str, Any]]) -> None:
        first = errors[0]
        AppError.__init__(self, f"{first['loc'][-1]}: {first['msg']}", errors=errors)


def _problem(field: str, message: str) -> TemplateInvalid:
    return TemplateInvalid([{"loc": ["body", field], "msg": message}])


def sample_values(locale: str, overrides: Mapping[str, Any] | None = None) -> dict[str, object]:
    """Believable data for previews and save-time checks; `overrides` replaces any of it."""
    lang = copy.language(locale) or copy.DEFAULT_LOCALE
    expiry = datetime(2026, 1, 15, 18, 30, tzinfo=UTC)
    values = {
        "customer_name": "Asha Rao",
        "amount": copy.format_amount(49900, "INR", lang),
        "currency": "INR",
        "merchant": "Chai Point",
        "link": "https://pay.example.com/pay/SAMPLE-TOKEN-0123456789abcdef.sig0123456789ab",
        "expiry": copy.format_moment(expiry + timedelta(hours=48), "Asia/Kolkata", lang),
        "reason": copy.phrase("reasons", "insufficient_funds", lang),
    }
    methods = [copy.phrase("methods", m, lang) for m in ("upi", "netbanking")]
    for name, value in (overrides or {}).items():
        if name not in VARIABLES:
            raise Unprocessable(f"unknown variable {name!r}", loc=["body", "sample", name])
        if name == "alternate_methods":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise Unprocessable("must be a list of strings", loc=["body", "sample", name])
            methods = value
        elif not isinstance(value, str):
            raise Unprocessable("must be a string", loc=["body", "sample", name])
        else:
            values[name] = value
    return variables_for(values, methods)


def check_template(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields as stored, or TemplateInvalid naming the field, line and problem."""
    channel, locale = fields["channel"], fields["locale"]
    if channel not in CHANNELS:
        raise _problem("channel", f"must be one of {', '.join(CHANNELS)}")
    if not _LOCALE.match(locale):
        raise _problem("locale", "must be a language code such as en, hi, ta or hi-IN")
    kind = fields.get("kind") or KINDS[0]
    if kind not in KINDS:
        raise _problem("kind", f"must be one of {', '.join(KINDS)}")
    subject = fields.get("subject") if channel == "email" else None
    html = fields.get("html") if channel == "email" else None
    if channel == "email" and not (subject or "").strip():
        raise _problem("subject", "an email template needs a subject")
    for name, source in (("subject", subject), ("body", fields["body"]), ("html", html)):
        if source is None:
            continue
        try:
            check_source(source, name)
        except TemplateRejected as exc:
            raise TemplateInvalid(
                [
                    {"loc": ["body", p.field], "msg": f"line {p.line}: {p.message}"}
                    for p in exc.problems
                ]
            ) from None
    provider_id, provider_vars = _provider_fields(channel, fields)
    stored = {
        "channel": channel,
        "locale": locale.replace("_", "-").lower().split("-", 1)[0],
        "kind": kind,
        "name": fields["name"],
        "subject": subject,
        "body": fields["body"],
        "html": html,
        "active": fields.get("active", True),
        "provider_template_id": provider_id,
        "provider_variables": provider_vars,
    }
    try:
        rendered = preview(stored, None)
    except Exception as exc:  # a second wall: the checks above should make this unreachable
        raise _problem("body", f"fails to render with sample data: {exc}") from None
    if channel != "email" and len(rendered.text) > MAX_RENDERED_TEXT:
        raise _problem(
            "body",
            f"renders to {len(rendered.text)} characters with sample data; "
            f"keep {channel} messages under {MAX_RENDERED_TEXT}",
        )
    return stored


def _provider_fields(channel: str, fields: Mapping[str, Any]) -> tuple[str | None, list[str]]:
    provider_id = fields.get("provider_template_id")
    names = fields.get("provider_variables")
    if channel != "whatsapp":
        if provider_id or names:
            raise _problem("provider_template_id", "only WhatsApp templates have one")
        return None, []
    if provider_id is not None and not _CONTENT_SID.match(provider_id):
        raise _problem("provider_template_id", "must be a Twilio Content SID (HX + 32 hex digits)")
    names = list(DEFAULT_PROVIDER_VARIABLES if names is None else names)
    unknown = [n for n in names if n not in VARIABLES]
    if unknown:
        raise _problem("provider_variables", f"unknown variable {unknown[0]!r}")
    return provider_id, names


def preview(fields: Mapping[str, Any], sample: Mapping[str, Any] | None) -> Rendered:
    locale = copy.language(fields["locale"]) or copy.DEFAULT_LOCALE
    content = TemplateContent(fields.get("subject"), fields["body"], fields.get("html"))
    return render_message(
        content,
        sample_values(locale, sample),
        channel=fields["channel"],
        locale=locale,
        unsubscribe_url="https://pay.example.com/unsubscribe/SAMPLE",
    )


# --- use cases ------------------------------------------------------------------------------


def create_template(
    session: Session, clock: Clock, org_id: str, fields: Mapping[str, Any], created_by: str
) -> tuple[MessageTemplate, MessageTemplateVersion]:
    stored = check_template(fields)
    now = clock.now()
    template = MessageTemplate(
        id=new_id("tpl"),
        org_id=org_id,
        channel=stored["channel"],
        locale=stored["locale"],
        kind=stored["kind"],
        active=stored["active"],
        current_version=1,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(template)
    session.flush()
    return template, _add_version(session, clock, template, stored, created_by)


def save_version(
    session: Session,
    clock: Clock,
    org_id: str,
    template_id: str,
    fields: Mapping[str, Any],
    created_by: str,
) -> tuple[MessageTemplate, MessageTemplateVersion]:
    stored = check_template(fields)
    template = _live(session, org_id, template_id, for_update=True)
    template.channel, template.locale = stored["channel"], stored["locale"]
    template.kind, template.active = stored["kind"], stored["active"]
    template.current_version += 1
    template.updated_at = clock.now()
    return template, _add_version(session, clock, template, stored, created_by)


def _add_version(
    session: Session,
    clock: Clock,
    template: MessageTemplate,
    stored: Mapping[str, Any],
    created_by: str,
) -> MessageTemplateVersion:
    if template.active:
        _deactivate_others(session, clock, template)
    version = MessageTemplateVersion(
        id=new_id("tpv"),
        org_id=template.org_id,
        template_id=template.id,
        version=template.current_version,
        name=stored["name"],
        subject=stored["subject"],
        body=stored["body"],
        html=stored["html"],
        provider_template_id=stored["provider_template_id"],
        provider_variables=stored["provider_variables"],
        created_by=created_by,
        created_at=clock.now(),
    )
    session.add(version)
    session.flush()
    return version


def _deactivate_others(session: Session, clock: Clock, template: MessageTemplate) -> None:
    session.execute(
        update(MessageTemplate)
        .where(
            MessageTemplate.org_id == template.org_id,
            MessageTemplate.channel == template.channel,
            MessageTemplate.locale == template.locale,
            MessageTemplate.kind == template.kind,
            MessageTemplate.id != template.id,
            MessageTemplate.active.is_(True),
        )
        .values(active=False, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def delete_template(session: Session, clock: Clock, org_id: str, template_id: str) -> None:
    template = _live(session, org_id, template_id, for_update=True)
    template.deleted_at = clock.now()
    template.updated_at = template.deleted_at
    template.active = False
    session.flush()


def get_template(
    session: Session, org_id: str, template_id: str
) -> tuple[MessageTemplate, MessageTemplateVersion]:
    row = session.execute(_current(org_id).where(MessageTemplate.id == template_id)).one_or_none()
    if row is None:
        raise NotFound(_NOT_FOUND)
    return row[0], row[1]


def shipped_defaults_in_use(session: Session, org_id: str) -> list[copy.DefaultTemplate]:
    """The shipped defaults that still speak for this org: those it has no active template for."""
    overridden = {
        (channel, copy.language(locale))
        for channel, locale in session.execute(
            select(MessageTemplate.channel, MessageTemplate.locale).where(
                MessageTemplate.org_id == org_id,
                MessageTemplate.kind == KINDS[0],
                MessageTemplate.active.is_(True),
                MessageTemplate.deleted_at.is_(None),
            )
        )
    }
    return [
        copy.default_template(channel, locale)
        for channel in CHANNELS
        for locale in copy.LOCALES
        if (channel, locale) not in overridden
    ]


def shipped_default(template_id: str) -> copy.DefaultTemplate:
    """A shipped default by its id (`tpl_default_<channel>_<language>`)."""
    channel, _, locale = template_id.removeprefix(copy.DEFAULT_TEMPLATE_ID_PREFIX).partition("_")
    if not template_id.startswith(copy.DEFAULT_TEMPLATE_ID_PREFIX) or channel not in CHANNELS:
        raise NotFound(_NOT_FOUND)
    if locale not in copy.LOCALES:
        raise NotFound(_NOT_FOUND)
    return copy.default_template(channel, locale)


def list_templates(
    session: Session, org_id: str, params: PageParams
) -> list[tuple[MessageTemplate, MessageTemplateVersion]]:
    # paginate takes a one-entity Select; this one selects a (template, version) pair.
    statement = paginate(cast("Select[Any]", _current(org_id)), MessageTemplate.id, params)
    return [(template, version) for template, version in session.execute(statement)]


def list_versions(session: Session, org_id: str, template_id: str) -> list[MessageTemplateVersion]:
    _live(session, org_id, template_id)
    return list(
        session.scalars(
            select(MessageTemplateVersion)
            .where(
                MessageTemplateVersion.org_id == org_id,
                MessageTemplateVersion.template_id == template_id,
            )
            .order_by(MessageTemplateVersion.version.desc())
        ).all()
    )


def active_version(
    session: Session, org_id: str, channel: str, locale: str, kind: str
) -> MessageTemplateVersion | None:
    """The org's active template for this key, if it has one, at its current version."""
    row = session.execute(
        _current(org_id)
        .where(
            MessageTemplate.channel == channel,
            MessageTemplate.locale == locale,
            MessageTemplate.kind == kind,
            MessageTemplate.active.is_(True),
        )
        .order_by(MessageTemplate.updated_at.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else row[1]


def _live(
    session: Session, org_id: str, template_id: str, *, for_update: bool = False
) -> MessageTemplate:
    statement = select(MessageTemplate).where(
        MessageTemplate.org_id == org_id,
        MessageTemplate.id == template_id,
        MessageTemplate.deleted_at.is_(None),
    )
    if for_update:
        statement = statement.with_for_update()
    template = session.scalars(statement).one_or_none()
    if template is None:
        raise NotFound(_NOT_FOUND)
    return template


def _current(org_id: str) -> Select[MessageTemplate, MessageTemplateVersion]:
    return (
        select(MessageTemplate, MessageTemplateVersion)
        .join(
            MessageTemplateVersion,
            and_(
                MessageTemplateVersion.template_id == MessageTemplate.id,
                MessageTemplateVersion.version == MessageTemplate.current_version,
            ),
        )
        .where(
            MessageTemplate.org_id == org_id,
            MessageTemplateVersion.org_id == org_id,
            MessageTemplate.deleted_at.is_(None),
        )
    )
