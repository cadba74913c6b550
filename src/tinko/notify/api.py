"""Routes of docs/api.md "The endpoint groups" and "Analytics, audit, operations": `/v1/templates`
(admin writes, viewers read and preview) and `/v1/notifications`, the delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response
from sqlalchemy import select

from tinko.deps import AdminDep, ClockDep, SessionDep, TinkoRouter, ViewerDep
from tinko.errors import NotFound
from tinko.kit.pagination import Page, PageDep, page_of, paginate
from tinko.notify import template_service as service
from tinko.notify.copy import DEFAULT_TEMPLATE_ID_PREFIX
from tinko.notify.models import OutboundMessage
from tinko.notify.schemas import (
    NotificationDetailOut,
    NotificationOut,
    PreviewIn,
    PreviewOut,
    TemplateIn,
    TemplateOut,
    TemplateVersionOut,
    default_template_out,
    notification_detail,
    notification_out,
    template_out,
    version_out,
)

router = TinkoRouter(tags=["notifications"])


@router.post("/v1/templates", status_code=201)
def create_template(
    body: TemplateIn, principal: AdminDep, session: SessionDep, clock: ClockDep
) -> TemplateOut:
    """Checked on save: syntax, variables and constructs are reported with their line (422)."""
    fields = body.model_dump()
    saved = service.create_template(session, clock, principal.org_id, fields, principal.id)
    return template_out(*saved)


@router.get("/v1/templates")
def list_templates(principal: ViewerDep, session: SessionDep, page: PageDep) -> Page[TemplateOut]:
    """The organisation's templates at their latest version, then (on the last page) the
    shipped defaults it has not replaced, marked `default: true`."""
    rows = service.list_templates(session, principal.org_id, page)
    listed = page_of(rows, page, lambda row: template_out(*row), id_of=lambda row: row[0].id)
    if listed.next_cursor is None:
        defaults = service.shipped_defaults_in_use(session, principal.org_id)
        listed.data.extend(default_template_out(template) for template in defaults)
    return listed


@router.get("/v1/templates/{template_id}")
def get_template(template_id: str, principal: ViewerDep, session: SessionDep) -> TemplateOut:
    """One template at its latest version (a shipped default by its `tpl_default_…` id)."""
    if template_id.startswith(DEFAULT_TEMPLATE_ID_PREFIX):
        return default_template_out(service.shipped_default(template_id))
    return template_out(*service.get_template(session, principal.org_id, template_id))


@router.put("/v1/templates/{template_id}")
def save_template_version(
    template_id: str, body: TemplateIn, principal: AdminDep, session: SessionDep, clock: ClockDep
) -> TemplateOut:
    """Saves the body as the template's next version; earlier versions stay as they were."""
    fields = body.model_dump()
    org_id = principal.org_id
    saved = service.save_version(session, clock, org_id, template_id, fields, principal.id)
    return template_out(*saved)


@router.delete("/v1/templates/{template_id}", status_code=204)
def delete_template(
    template_id: str, principal: AdminDep, session: SessionDep, clock: ClockDep
) -> Response:
    """Deletes a template (admin); the shipped default for its channel and language applies
    again.
    """
    service.delete_template(session, clock, principal.org_id, template_id)
    return Response(status_code=204)


@router.get("/v1/templates/{template_id}/versions")
def list_template_versions(
    template_id: str, principal: ViewerDep, session: SessionDep
) -> Page[TemplateVersionOut]:
    """Every version of the template, newest first."""
    versions = service.list_versions(session, principal.org_id, template_id)
    return Page(data=[version_out(v) for v in versions])


@router.post("/v1/templates/{template_id}/preview")
def preview_template(
    template_id: str, body: PreviewIn, principal: ViewerDep, session: SessionDep
) -> PreviewOut:
    """The template rendered with sample data, or with the `sample` values given."""
    if template_id.startswith(DEFAULT_TEMPLATE_ID_PREFIX):
        fields = default_template_out(service.shipped_default(template_id)).model_dump()
    else:
        template, version = service.get_template(session, principal.org_id, template_id)
        fields = template_out(template, version).model_dump()
    rendered = service.preview(fields, body.sample)
    return PreviewOut(subject=rendered.subject, text=rendered.text, html=rendered.html)


@router.get("/v1/notifications")
def list_notifications(
    principal: ViewerDep,
    session: SessionDep,
    page: PageDep,
    status: Annotated[str | None, Query(max_length=16)] = None,
    channel: Annotated[str | None, Query(max_length=16)] = None,
    case_id: Annotated[str | None, Query(max_length=40)] = None,
) -> Page[NotificationOut]:
    """The delivery log, oldest first: status, provider id, error, tries."""
    statement = select(OutboundMessage).where(OutboundMessage.org_id == principal.org_id)
    for column, value in (
        (OutboundMessage.status, status),
        (OutboundMessage.channel, channel),
        (OutboundMessage.case_id, case_id),
    ):
        if value is not None:
            statement = statement.where(column == value)
    rows = session.scalars(paginate(statement, OutboundMessage.id, page)).all()
    return page_of(rows, page, notification_out)


@router.get("/v1/notifications/{message_id}")
def get_notification(
    message_id: str, principal: ViewerDep, session: SessionDep
) -> NotificationDetailOut:
    """One message with its content (the dev outbox's view of what would be sent)."""
    message = session.scalars(
        select(OutboundMessage).where(
            OutboundMessage.org_id == principal.org_id, OutboundMessage.id == message_id
        )
    ).one_or_none()
    if message is None:
        raise NotFound("No such message in your organisation.")
    return notification_detail(message)
