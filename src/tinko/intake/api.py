"""Routes of docs/api.md "The endpoint groups" and "Classification", and webhook endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy import select

from tinko.apidocs.problems import problems
from tinko.classifier import DeclineSignal, classify
from tinko.deps import AdminDep, ClockDep, SessionDep, SettingsDep, TinkoRouter, ViewerDep
from tinko.errors import NotFound
from tinko.flows import outcomes
from tinko.intake import calls, webhooks
from tinko.intake.idempotency import IdempotencyDep
from tinko.intake.models import WebhookEndpoint
from tinko.intake.schemas import (
    ClassifyIn,
    EventOut,
    PaymentFailedIn,
    PaymentFailedOut,
    RecoveryRef,
    WebhookEndpointCreated,
    WebhookEndpointIn,
    WebhookEndpointOut,
)
from tinko.intake.validation import check_occurred_at
from tinko.kit.pagination import Page, PageDep, page_of
from tinko.kit.secretbox import SecretBox
from tinko.payments.models import PaymentEvent, Transaction
from tinko.payments.reports import Customer, FailureReport

router = TinkoRouter(prefix="/v1", tags=["intake"])


async def get_secret_box(request: Request) -> SecretBox:
    box: SecretBox = request.app.state.secret_box
    return box


SecretBoxDep = Annotated[SecretBox, Depends(get_secret_box)]


def _report(body: PaymentFailedIn) -> FailureReport:
    customer = body.customer
    return FailureReport(
        transaction_ref=body.transaction_ref,
        amount_minor=body.amount,
        currency=body.currency,
        gateway=body.gateway,
        occurred_at=body.occurred_at,
        failure_code=body.failure_code,
        decline_code=body.decline_code,
        failure_message=body.failure_message,
        network_advice_code=body.network_advice_code,
        network_decline_code=body.network_decline_code,
        payment_method_type=body.payment_method_type,
        payment_method_ref=body.payment_method_ref,
        card_network=body.card_network,
        card_issuer=body.card_issuer or None,
        customer=Customer(
            ref=customer.id,
            email=customer.email,
            phone=customer.phone,
            name=customer.name,
            locale=customer.locale,
            country=customer.country,
            timezone=customer.timezone,
        ),
        metadata=body.metadata or {},
    )


def _out(outcome: outcomes.FailureOutcome) -> PaymentFailedOut:
    case = outcome.case
    recovery = (
        RecoveryRef(id=case.id, status=case.status, next_action_at=case.next_action_at)
        if case
        else None
    )
    return PaymentFailedOut(
        event_id=outcome.event_id,
        transaction_id=outcome.transaction.id,
        classification=outcome.classification.to_dict(),
        recovery=recovery,
    )


@router.post(
    "/events/payment_failed",
    status_code=202,
    response_model=PaymentFailedOut,
    responses=problems(409),
)
def payment_failed(
    body: PaymentFailedIn,
    principal: AdminDep,
    session: SessionDep,
    clock: ClockDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Reports a failed payment from your server. Tinko classifies the decline and, when it is
    recoverable, opens a recovery with its first action planned. Send `Idempotency-Key` to make
    retries of this call safe: the same key and body answer the first response again.
    """
    check_occurred_at(body.occurred_at, clock.now())

    def produce() -> PaymentFailedOut:
        outcome = outcomes.payment_failed(
            session, clock, principal.org_id, _report(body), source="api"
        )
        return _out(outcome)

    return idempotency.run(principal.org_id, body, produce, status_code=202)


@router.get("/events/by_ref/{transaction_ref}")
def events_by_ref(
    transaction_ref: str, principal: ViewerDep, session: SessionDep
) -> Page[EventOut]:
    """Every payment event recorded for one of your transaction references, oldest first."""
    transaction = session.scalars(
        select(Transaction).where(
            Transaction.org_id == principal.org_id, Transaction.transaction_ref == transaction_ref
        )
    ).one_or_none()
    if transaction is None:
        raise NotFound("No transaction with this reference in your organisation.")
    events = session.scalars(
        select(PaymentEvent)
        .where(
            PaymentEvent.org_id == principal.org_id, PaymentEvent.transaction_id == transaction.id
        )
        .order_by(PaymentEvent.occurred_at, PaymentEvent.id)
    ).all()
    return Page(data=[_event_out(e) for e in events])


def _event_out(event: PaymentEvent) -> EventOut:
    return EventOut(
        id=event.id,
        kind=event.kind,
        source=event.source,
        external_id=event.external_id,
        event_type=event.event_type,
        occurred_at=event.occurred_at,
        received_at=event.received_at,
        amount=event.amount_minor,
        currency=event.currency,
        failure_code=event.failure_code,
        decline_code=event.decline_code,
        network_advice_code=event.network_advice_code,
        failure_message=event.failure_message,
        payment_method_type=event.payment_method_type,
        classification=event.classification,
    )


@router.post("/classify")
async def classify_decline(body: ClassifyIn, principal: ViewerDep) -> dict[str, object]:
    """Classifies a decline without recording anything: category, soft or hard, whether a retry
    can work, and what would fix it.
    """
    return classify(DeclineSignal(**body.model_dump())).to_dict()


def _endpoint_out(endpoint: WebhookEndpoint, base_url: str) -> WebhookEndpointOut:
    return WebhookEndpointOut(
        id=endpoint.id,
        psp=endpoint.psp,
        created_at=endpoint.created_at,
        rotated_at=endpoint.rotated_at,
        url=f"{base_url}/v1/webhooks/{endpoint.psp}/{endpoint.id}",
    )


@router.post("/webhook-endpoints", status_code=201)
def create_webhook_endpoint(
    body: WebhookEndpointIn,
    principal: AdminDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    box: SecretBoxDep,
) -> WebhookEndpointCreated:
    """Makes a URL for a PSP's webhooks (admin). Register the `url` in the PSP's dashboard with
    the `secret`, which is shown only in this answer.
    """
    created = webhooks.create_endpoint(session, clock, box, principal.org_id, body.psp)
    out = _endpoint_out(created.endpoint, settings.base_url)
    return WebhookEndpointCreated(**out.model_dump(), secret=created.secret)


@router.get("/webhook-endpoints")
def list_webhook_endpoints(
    principal: AdminDep, session: SessionDep, settings: SettingsDep, page: PageDep
) -> Page[WebhookEndpointOut]:
    """The organisation's webhook endpoints and their URLs (admin); secrets are never shown
    again.
    """
    rows = webhooks.list_endpoints(session, principal.org_id, page)
    return page_of(rows, page, lambda e: _endpoint_out(e, settings.base_url))


@router.post("/webhook-endpoints/{endpoint_id}/rotate")
def rotate_webhook_secret(
    endpoint_id: str,
    principal: AdminDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    box: SecretBoxDep,
) -> WebhookEndpointCreated:
    """Issues a new signing secret for an endpoint (admin); shown only in this answer."""
    rotated = webhooks.rotate_secret(session, clock, box, principal.org_id, endpoint_id)
    out = _endpoint_out(rotated.endpoint, settings.base_url)
    return WebhookEndpointCreated(**out.model_dump(), secret=rotated.secret)


@router.delete("/webhook-endpoints/{endpoint_id}", status_code=204)
def delete_webhook_endpoint(endpoint_id: str, principal: AdminDep, session: SessionDep) -> Response:
    """Deletes a webhook endpoint (admin); events sent to it are refused from then on."""
    webhooks.delete_endpoint(session, principal.org_id, endpoint_id)
    return Response(status_code=204)


async def raw_body(request: Request) -> bytes:
    """The exact bytes that were signed; JSON parsing would change them."""
    return await request.body()


RawBodyDep = Annotated[bytes, Depends(raw_body)]


def _receive(
    psp: str,
    endpoint_id: str,
    body: bytes,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    box: SecretBox,
) -> dict[str, bool | str]:
    headers = {k.lower(): v for k, v in request.headers.items()}
    calls.note_endpoint(request, session, psp, endpoint_id)
    try:
        receipt = webhooks.receive(
            session, clock, box, psp=psp, endpoint_id=endpoint_id, body=body, headers=headers
        )
    except webhooks.BadSignature:
        calls.note_outcome(request, "bad_signature")
        raise
    calls.note_receipt(request, receipt.new, receipt.rejected, receipt.delivery_id)
    # A signed but invalid event is answered 2xx: resending it cannot change it (ADR 0002).
    answer: dict[str, bool | str] = {"received": True, "duplicate": not receipt.new}
    if receipt.rejected:
        answer["rejected"] = receipt.rejected
    return answer


@router.post("/webhooks/stripe/{endpoint_id}", tags=["webhooks"], responses=problems(400))
def stripe_webhook(
    endpoint_id: str,
    body: RawBodyDep,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    box: SecretBoxDep,
) -> dict[str, bool | str]:
    """Receives Stripe events, verified with the endpoint's secret (`Stripe-Signature`). A
    repeated event is acknowledged again and not processed twice.
    """
    return _receive("stripe", endpoint_id, body, request, session, clock, box)


@router.post("/webhooks/razorpay/{endpoint_id}", tags=["webhooks"], responses=problems(400))
def razorpay_webhook(
    endpoint_id: str,
    body: RawBodyDep,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    box: SecretBoxDep,
) -> dict[str, bool | str]:
    """Receives Razorpay events, verified with the endpoint's secret (`X-Razorpay-Signature`). A
    repeated event is acknowledged again and not processed twice.
    """
    return _receive("razorpay", endpoint_id, body, request, session, clock, box)
