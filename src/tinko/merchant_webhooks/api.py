"""Routes of `/v1/merchant-webhooks`: endpoints on the merchant's side that receive Tinko's
events, their secrets, delivery logs and replays (docs/merchant-webhooks.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from pydantic import AnyHttpUrl, BaseModel, Field

from tinko.deps import AdminDep, ClockDep, SessionDep, SettingsDep, TinkoRouter
from tinko.kit.pagination import Page, PageDep, page_of
from tinko.kit.secretbox import SecretBox
from tinko.merchant_webhooks import service
from tinko.merchant_webhooks.models import MerchantWebhookDelivery, MerchantWebhookEndpoint

router = TinkoRouter(prefix="/v1/merchant-webhooks", tags=["merchant webhooks"])


class EndpointIn(BaseModel):
    url: AnyHttpUrl = Field(description="Where to POST events; https and public outside dev.")
    events: list[str] = Field(min_length=1, max_length=len(service.EVENT_TYPES))


class EndpointOut(BaseModel):
    id: str
    url: str
    events: list[str]
    status: str
    created_at: datetime
    disabled_at: datetime | None


class EndpointCreated(EndpointOut):
    secret: str = Field(description="`whsec_…`: shown only in this answer.")


class AttemptOut(BaseModel):
    at: datetime
    status_code: int | None
    error: str | None
    latency_ms: int
    response_excerpt: str | None


class DeliveryOut(BaseModel):
    id: str
    endpoint_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]
    tries: list[AttemptOut] = Field(default_factory=list, description="Every try, oldest first.")


async def get_secret_box(request: Request) -> SecretBox:
    box: SecretBox = request.app.state.secret_box
    return box


SecretBoxDep = Annotated[SecretBox, Depends(get_secret_box)]


def _out(endpoint: MerchantWebhookEndpoint) -> EndpointOut:
    return EndpointOut.model_validate(endpoint, from_attributes=True)


def _created(created: service.Created) -> EndpointCreated:
    return EndpointCreated(**_out(created.endpoint).model_dump(), secret=created.secret)


@router.post("", status_code=201)
def create_endpoint(
    body: EndpointIn,
    principal: AdminDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    box: SecretBoxDep,
) -> EndpointCreated:
    """Registers an endpoint for the named events (admin); the secret is shown only here."""
    private = settings.env != "prod"  # dev and tests send to local receivers
    fields = body.model_dump(mode="json")
    created = service.create_endpoint(session, clock, box, principal.org_id, fields, private)
    return _created(created)


@router.get("")
def list_endpoints(principal: AdminDep, session: SessionDep, page: PageDep) -> Page[EndpointOut]:
    """The organisation's endpoints (admin); secrets are never shown again."""
    return page_of(service.list_endpoints(session, principal.org_id, page), page, _out)


@router.delete("/{endpoint_id}", status_code=204)
def delete_endpoint(
    endpoint_id: str, principal: AdminDep, session: SessionDep, clock: ClockDep
) -> Response:
    """Stops sending to an endpoint (admin); its delivery log stays."""
    service.delete_endpoint(session, clock, principal.org_id, endpoint_id)
    return Response(status_code=204)


@router.post("/{endpoint_id}/rotate")
def rotate_secret(
    endpoint_id: str, principal: AdminDep, session: SessionDep, clock: ClockDep, box: SecretBoxDep
) -> EndpointCreated:
    """A new secret, shown only here; the old one signs alongside it for 24 hours."""
    return _created(service.rotate_secret(session, clock, box, principal.org_id, endpoint_id))


@router.post("/{endpoint_id}/enable")
def enable_endpoint(
    endpoint_id: str, principal: AdminDep, session: SessionDep, clock: ClockDep
) -> EndpointOut:
    """Sends to a disabled endpoint again (admin)."""
    return _out(service.enable(session, clock, principal.org_id, endpoint_id))


@router.get("/{endpoint_id}/deliveries")
def list_deliveries(
    endpoint_id: str, principal: AdminDep, session: SessionDep, page: PageDep
) -> Page[DeliveryOut]:
    """The endpoint's deliveries, newest first, each with its last try (admin)."""
    rows = service.list_deliveries(session, principal.org_id, endpoint_id, page)
    tries = service.attempts_of(session, principal.org_id, [row.id for row in rows])
    return page_of(rows, page, lambda row: _delivery_out(row, tries.get(row.id, [])))


def _delivery_out(row: MerchantWebhookDelivery, tries: list[Any] | None = None) -> DeliveryOut:
    out = DeliveryOut.model_validate(row, from_attributes=True)
    out.tries = [AttemptOut.model_validate(t, from_attributes=True) for t in tries or []]
    return out


@router.post("/deliveries/{delivery_id}/replay", status_code=202)
def replay_delivery(
    delivery_id: str, principal: AdminDep, session: SessionDep, clock: ClockDep
) -> DeliveryOut:
    """Sends a delivery again now, with the same `webhook-id` (admin)."""
    return _delivery_out(service.replay(session, clock, principal.org_id, delivery_id))
