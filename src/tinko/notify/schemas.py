"""Request and response bodies of `/v1/templates` and `/v1/notifications`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from tinko.notify.copy import DEFAULT_TEMPLATE_ID_PREFIX, DefaultTemplate
from tinko.notify.models import MessageTemplate, MessageTemplateVersion, OutboundMessage
from tinko.notify.templating import VARIABLES

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Source = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
_VARIABLES_DOC = "Variables: " + "; ".join(f"`{k}` {v}" for k, v in VARIABLES.items()) + "."


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Annotated[str, Field(description="email, sms or whatsapp")]
    locale: Annotated[str, Field(max_length=16, description="Language: en, hi, ta, hi-IN…")]
    name: Name
    subject: Annotated[
        str | None, Field(max_length=300, description="Required for email; " + _VARIABLES_DOC)
    ] = None
    body: Annotated[Source, Field(description="The text (Jinja2 subset). " + _VARIABLES_DOC)]
    html: Annotated[
        str | None,
        Field(max_length=20_000, description="Email only: HTML content; else made from body."),
    ] = None
    kind: Annotated[str, Field(description="What the message is for: recovery_link")] = (
        "recovery_link"
    )
    active: StrictBool = True
    provider_template_id: Annotated[
        str | None,
        Field(description="WhatsApp only: the Twilio Content SID of an approved template."),
    ] = None
    provider_variables: Annotated[
        list[str] | None,
        Field(
            max_length=10,
            description="WhatsApp only: the variables filling the approved template's "
            "{{1}}, {{2}}…, in order (default customer_name, amount, merchant, link).",
        ),
    ] = None


class TemplateOut(BaseModel):
    id: str
    version: int
    channel: str
    locale: str
    kind: str
    name: str
    subject: str | None
    body: str
    html: str | None
    active: bool
    provider_template_id: str | None
    provider_variables: list[str]
    # A shipped default (id `tpl_default_<channel>_<language>`): used until the org saves an
    # active template for the same channel and language; read-only, never stored.
    default: bool = False
    created_at: datetime | None
    updated_at: datetime | None


class TemplateVersionOut(BaseModel):
    id: str
    version: int
    name: str
    subject: str | None
    body: str
    html: str | None
    provider_template_id: str | None
    provider_variables: list[str]
    created_at: datetime
    created_by: str | None


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sample: Annotated[
        dict[str, Any] | None,
        Field(description="Values to use instead of the sample data, by variable name."),
    ] = None


class PreviewOut(BaseModel):
    subject: str
    text: str
    html: str | None


class NotificationOut(BaseModel):
    id: str
    channel: str
    recipient: str
    kind: str
    status: str
    subject: str
    case_id: str | None
    locale: str | None
    template_id: str | None
    template_version: int | None
    provider_message_id: str | None
    error: str | None
    tries: int
    not_before: datetime | None
    created_at: datetime
    sent_at: datetime | None
    updated_at: datetime | None


class NotificationDetailOut(NotificationOut):
    text: str | None = Field(description="The message as sent; withheld for account mail.")
    html: str | None


def template_out(template: MessageTemplate, version: MessageTemplateVersion) -> TemplateOut:
    return TemplateOut(
        id=template.id,
        version=version.version,
        channel=template.channel,
        locale=template.locale,
        kind=template.kind,
        name=version.name,
        subject=version.subject,
        body=version.body,
        html=version.html,
        active=template.active,
        provider_template_id=version.provider_template_id,
        provider_variables=version.provider_variables,
        created_at=template.created_at,
        updated_at=template.updated_at,
    )


def default_template_out(template: DefaultTemplate) -> TemplateOut:
    return TemplateOut(
        id=f"{DEFAULT_TEMPLATE_ID_PREFIX}{template.channel}_{template.locale}",
        version=1,
        channel=template.channel,
        locale=template.locale,
        kind="recovery_link",
        name=template.name,
        subject=template.subject,
        body=template.body,
        html=template.html,
        active=True,
        provider_template_id=None,
        provider_variables=[],
        default=True,
        created_at=None,
        updated_at=None,
    )


def version_out(version: MessageTemplateVersion) -> TemplateVersionOut:
    return TemplateVersionOut(
        id=version.template_id,
        version=version.version,
        name=version.name,
        subject=version.subject,
        body=version.body,
        html=version.html,
        provider_template_id=version.provider_template_id,
        provider_variables=version.provider_variables,
        created_at=version.created_at,
        created_by=version.created_by,
    )


# Account mail carries single-use sign-in tokens: the log shows that it went, not what it said.
_PRIVATE_KINDS = frozenset({"password_reset", "invite"})


def notification_out(message: OutboundMessage) -> NotificationOut:
    return NotificationOut.model_validate(message, from_attributes=True)


def notification_detail(message: OutboundMessage) -> NotificationDetailOut:
    private = message.kind in _PRIVATE_KINDS
    return NotificationDetailOut.model_validate(
        {
            **notification_out(message).model_dump(),
            "text": None if private else message.body_text,
            "html": None if private else message.body_html,
        }
    )
