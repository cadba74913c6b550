"""Routes of `/v1/recoveries` (docs/api.md, "Recoveries and their attempts")."""

from __future__ import annotations

from typing import Annotated, Literal

from babel import negotiate_locale
from fastapi import Depends, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.apidocs.problems import problems
from tinko.deps import (
    AdminDep,
    ClockDep,
    RateLimiterDep,
    SessionDep,
    SettingsDep,
    TinkoRouter,
    ViewerDep,
    client_ip,
)
from tinko.errors import Conflict, NotFound, RateLimited
from tinko.flows.checkout import start_checkout
from tinko.intake.idempotency import IdempotencyDep
from tinko.kit.pagination import Page, PageDep, page_of, paginate
from tinko.kit.ratelimit import RateLimitExceeded
from tinko.notify.models import OutboundMessage
from tinko.pages.i18n import parse_accept_language
from tinko.payments.models import Transaction
from tinko.reasons import LANGUAGES
from tinko.recovery import engine, links, manual, outreach, timeline
from tinko.recovery.models import PAYABLE_STATUSES, RecoveryCase
from tinko.recovery.schemas import (
    CheckoutIn,
    CheckoutOut,
    LinkIn,
    LinkMessageOut,
    LinkOut,
    PayerView,
    RecoveryOut,
    RecoverySort,
    RecoveryStatusFilter,
    RecoverySummary,
)
from tinko.recovery.views import payer_view, reason_out, recovery_out, summary_out
from tinko.tenancy.models import Organization

router = TinkoRouter(prefix="/v1/recoveries", tags=["recoveries"])


def _language(
    lang: Annotated[
        Literal["en", "hi", "ta"] | None,
        Query(description="Language of each reason's `text`; else `Accept-Language`, else en."),
    ] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str:
    """`?lang=` (an unknown one is a 422 naming `lang`), else the best of Accept-Language."""
    if lang is not None:
        return lang
    wanted = parse_accept_language(accept_language)
    return str(negotiate_locale(wanted, LANGUAGES, sep="-") or "en")


LangDep = Annotated[str, Depends(_language)]


def _by_ref(session: Session, org_id: str, ref: str) -> RecoveryCase:
    case = session.scalars(
        select(RecoveryCase)
        .join(Transaction, Transaction.id == RecoveryCase.transaction_id)
        .where(RecoveryCase.org_id == org_id, Transaction.transaction_ref == ref)
        .order_by(RecoveryCase.id.desc())
        .limit(1)
    ).first()
    if case is None:
        raise NotFound("No recovery for this transaction reference in your organisation.")
    return case


@router.get("")
def list_recoveries(
    principal: ViewerDep,
    session: SessionDep,
    page: PageDep,
    lang: LangDep,
    status: Annotated[RecoveryStatusFilter | None, Query()] = None,
    sort: Annotated[RecoverySort, Query()] = "-created_at",
) -> Page[RecoverySummary]:
    """The organisation's recoveries, newest first unless `sort=created_at`; `status` keeps
    the cases in that state."""
    statement = select(RecoveryCase).where(RecoveryCase.org_id == principal.org_id)
    if status:
        statement = statement.where(RecoveryCase.status == status)
    newest_first = sort == "-created_at"
    query = paginate(statement, RecoveryCase.id, page, newest_first=newest_first)
    rows = list(session.scalars(query).all())
    return page_of(rows, page, lambda case: summary_out(session, case, lang))


@router.get("/by_ref/{transaction_ref}")
def recovery_by_ref(
    transaction_ref: str, principal: ViewerDep, session: SessionDep, lang: LangDep
) -> RecoveryOut:
    """The latest recovery of one of your transaction references, with its attempts,
    messages, their reasons and the timeline.
    """
    return recovery_out(session, _by_ref(session, principal.org_id, transaction_ref), lang)


@router.post("/by_ref/{transaction_ref}/link", status_code=201, responses=problems(409))
def create_link(
    transaction_ref: str,
    principal: AdminDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    lang: LangDep,
    body: LinkIn | None = None,
) -> LinkOut:
    """Issues a signed payment link for a recovery (admin); with `channel`, also sends it to the
    customer there (opt-outs, caps and quiet hours apply). 409 when the recovery is closed.
    """
    case = _by_ref(session, principal.org_id, transaction_ref)
    if case.status not in PAYABLE_STATUSES:
        raise Conflict(f"This recovery is {case.status}; a payment link would not help.")
    transaction = session.get_one(Transaction, case.transaction_id)
    channel = body.channel if body else None
    sent = outreach.send_new_link(
        session, clock, settings, case=case, transaction=transaction, channel=channel
    )
    message = _link_message(session, case, sent, lang) if channel is not None else None
    issued = sent.issued
    return LinkOut(
        url=issued.url, token=issued.token, expires_at=issued.link.expires_at, message=message
    )


def _link_message(
    session: Session, case: RecoveryCase, sent: outreach.Outreach, lang: str
) -> LinkMessageOut:
    """What became of the message the merchant asked for, and why (sent or skipped)."""
    why = sent.skipped
    if sent.message_id is not None:
        message = session.get(OutboundMessage, sent.message_id)
        why = message.reason if message is not None else None
    status: Literal["queued", "skipped"] = "queued" if sent.message_id else "skipped"
    timezone = session.get_one(Organization, case.org_id).timezone
    reason = reason_out(why, lang, timezone)
    return LinkMessageOut(id=sent.message_id, status=status, detail=sent.detail, reason=reason)


def _payer_limit(limiter: RateLimiterDep, request: Request) -> None:
    try:
        limiter.hit("payer", f"ip:{client_ip(request)}")
    except RateLimitExceeded as exc:
        raise RateLimited(exc.retry_after_seconds) from None


PayerLimit = Annotated[None, Depends(_payer_limit)]


@router.get("/by_token/{token}", tags=["payer"], responses=problems(410))
def recovery_by_token(
    token: str, _: PayerLimit, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> PayerView:
    """What the payer page shows for a payment link: merchant, amount, reason and the methods to
    pay with. The token is the credential; rate limited per IP.
    """
    link, case = links.resolve(session, clock, settings.secret_key, token)
    return payer_view(session, link, case)


@router.post("/by_token/{token}/open", tags=["payer"], responses=problems(410))
def open_link(
    token: str, _: PayerLimit, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> dict[str, bool]:
    """Records that the payer opened the link (the first open goes on the recovery's timeline)."""
    link, case = links.resolve(session, clock, settings.secret_key, token, for_update=True)
    first = link.open_count == 0
    links.record_open(link, clock.now())
    if first:
        timeline.log(session, clock, case, "link_opened", link_id=link.id)
    return {"recorded": True}


@router.post("/by_token/{token}/checkout", tags=["payer"], responses=problems(409, 410, 502, 503))
def checkout(
    token: str,
    _: PayerLimit,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    body: CheckoutIn | None = None,
) -> CheckoutOut:
    """Starts the PSP's hosted checkout for a payment link and answers where to send the payer."""
    # The link is locked until start_checkout commits its reservation, before the PSP call.
    link, case = links.resolve(session, clock, settings.secret_key, token, for_update=True)
    if case.status not in PAYABLE_STATUSES:
        raise Conflict(f"This payment is already {case.status}.")
    method = body.method if body and body.method else None
    txn = session.get_one(Transaction, case.transaction_id)
    url = start_checkout(
        session, settings, clock, case=case, transaction=txn, link=link, token=token, method=method
    )
    timeline.log(session, clock, case, "checkout_started", link_id=link.id, method=method)
    return CheckoutOut(redirect_url=url)


@router.get("/{recovery_id}")
def get_recovery(
    recovery_id: str, principal: ViewerDep, session: SessionDep, lang: LangDep
) -> RecoveryOut:
    """One recovery: status, classification, the rule that chose its plan, attempts and
    messages with the reason for each (`text` in `lang`), and what comes next.
    """
    return recovery_out(session, engine.get_case(session, principal.org_id, recovery_id), lang)


class _NoBody(BaseModel):
    """retry-now and cancel take no body; the Idempotency-Key binds to the route alone."""


@router.post(
    "/{recovery_id}/retry-now",
    status_code=202,
    response_model=RecoveryOut,
    responses=problems(409),
)
def retry_now(
    recovery_id: str,
    principal: AdminDep,
    session: SessionDep,
    clock: ClockDep,
    idempotency: IdempotencyDep,
    lang: LangDep,
) -> Response:
    """Runs the next retry now instead of at its planned time (admin), within card-network
    rules and at least an hour after the last charge on the same card. 409 names the charge
    still at the PSP, or the rule and `retry_at` that hold it back. Accepts `Idempotency-Key`.
    """

    def produce() -> RecoveryOut:
        attempt = manual.retry_now(session, clock, principal.org_id, recovery_id)
        case = engine.get_case(session, principal.org_id, attempt.case_id)
        return recovery_out(session, case, lang)

    return idempotency.run(principal.org_id, _NoBody(), produce, status_code=202)


@router.post("/{recovery_id}/cancel", response_model=RecoveryOut, responses=problems(409))
def cancel(
    recovery_id: str,
    principal: AdminDep,
    session: SessionDep,
    clock: ClockDep,
    idempotency: IdempotencyDep,
    lang: LangDep,
) -> Response:
    """Stops a recovery (admin): no more retries or messages. With a charge still at the PSP
    the case stays `in_progress` until its outcome is known; money that arrives makes it
    `recovered`. Accepts `Idempotency-Key`.
    """

    def produce() -> RecoveryOut:
        case = manual.cancel(session, clock, principal.org_id, recovery_id)
        return recovery_out(session, case, lang)

    return idempotency.run(principal.org_id, _NoBody(), produce, status_code=200)
