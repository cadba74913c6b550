"""Simulated history for the demo organisation: 90 days of failures, retries, messages and
recoveries, so every chart and list has something in it at first start.

The simulator's `tinko` strategy (the live engine's policies, planner and network-rule guard)
runs over the demo scenario's world on a virtual clock that starts 90 days before the injected
clock's now and stops at now. What happened is written through the real tables, in bulk, as
the live service would have written it: cases closed as the engine closes them, the rest left
open with their next step scheduled, so the live scheduler carries on where the history ends.
Payment methods are sandbox-scripted references (docs/api.md "The sandbox PSP") that behave on the
sandbox as the hidden world would have, so those continued retries find what the world holds.
"""

from __future__ import annotations

import base64
import dataclasses
import itertools
import math
import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, cast

from markupsafe import escape
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.kit.clock import Clock
from tinko.kit.crypto import token_digest
from tinko.notify import copy
from tinko.notify.contacts import recipient_digest
from tinko.notify.models import NotificationOptOut, OutboundMessage
from tinko.notify.optouts import unsubscribe_url
from tinko.notify.render import Rendered, TemplateContent, render_message, variables_for
from tinko.payments.models import PaymentEvent, Transaction
from tinko.recovery.decide import AttemptView, PaymentView
from tinko.recovery.guard.types import GuardDecision, PastAttempt
from tinko.recovery.holdout import customer_key, in_holdout
from tinko.recovery.links import make_token
from tinko.recovery.models import RecoveryAttempt, RecoveryCase, RecoveryLink, TimelineEntry
from tinko.recovery.planner import Plan, PlannedStep
from tinko.recovery.planning import HOLDOUT_REASON
from tinko.simulate.driver import _PAYS, Driver, SimAttempt, SimCase, classify_code, utc
from tinko.simulate.outcomes import charge, reachable
from tinko.simulate.scenario import Scenario, load_scenario
from tinko.simulate.strategies import PolicySource, TinkoStrategy
from tinko.simulate.world import DAY, NEVER, Failure, World, build_world
from tinko.tenancy.models import Organization

DEMO_SCENARIO: Final = Path(__file__).parent / "scenarios" / "demo.yaml"
HISTORY_DAYS: Final = 90
DEFAULT_SEED: Final = 7
REF_PREFIX: Final = "demo-"  # every simulated transaction's reference: how a refill is noticed
WEBHOOK_DELAY: Final = timedelta(seconds=2)  # a PSP's webhook arrives moments after the decline
OPEN_BEFORE_PAYING: Final = timedelta(minutes=3)  # the payer page is open before the payment
_DEMO_LOCALES: Final = (("en-IN", 0.7), ("hi-IN", 0.2), ("ta-IN", 0.1))
_FIRST_NAMES: Final = (
    "Aarav",
    "Aditi",
    "Ananya",
    "Arjun",
    "Deepa",
    "Divya",
    "Farhan",
    "Gauri",
    "Harish",
    "Isha",
    "Karthik",
    "Kavya",
    "Meera",
    "Naveen",
    "Nikhil",
    "Pooja",
    "Priya",
    "Rahul",
    "Ravi",
    "Rohan",
    "Sanjay",
    "Sneha",
    "Suresh",
    "Tanvi",
    "Uma",
    "Varun",
    "Vikram",
    "Zoya",
)
_LAST_NAMES: Final = (
    "Agarwal",
    "Bhat",
    "Das",
    "Gupta",
    "Iyer",
    "Joshi",
    "Kapoor",
    "Khan",
    "Kumar",
    "Menon",
    "Mishra",
    "Nair",
    "Patel",
    "Pillai",
    "Rao",
    "Reddy",
    "Sharma",
    "Singh",
    "Subramanian",
    "Verma",
)


@dataclass(frozen=True)
class HistoryReport:
    created: bool  # False when the organisation already had its history
    failures: int = 0
    recovered: int = 0
    open: int = 0
    messages: int = 0
    rows: int = 0
    seconds: float = 0.0


def has_history(session: Session, org_id: str) -> bool:
    return (
        session.scalars(
            select(Transaction.id)
            .where(Transaction.org_id == org_id, Transaction.transaction_ref.startswith(REF_PREFIX))
            .limit(1)
        ).first()
        is not None
    )


def demo_scenario(now: datetime, failures: int | None = None) -> Scenario:
    """The demo world, its failures spread over the whole days before today (UTC)."""
    scenario = load_scenario(DEMO_SCENARIO)
    if failures is not None:
        scenario = scenario.with_failures(failures, max(1, round(failures * 0.77)))
    start = now.date() - timedelta(days=HISTORY_DAYS - 1)
    return dataclasses.replace(scenario, start=start, days=HISTORY_DAYS - 1)


def fill_history(
    session: Session,
    clock: Clock,
    settings: Settings,
    org_id: str,
    *,
    failures: int | None = None,
    seed: int = DEFAULT_SEED,
) -> HistoryReport:
    """Write the simulated history of `org_id` (flushes, never commits); once per organisation."""
    began = time.perf_counter()
    if has_history(session, org_id):
        return HistoryReport(created=False)
    org = session.get_one(Organization, org_id)
    now = clock.now()
    scenario = dataclasses.replace(demo_scenario(now, failures), merchant_timezone=org.timezone)
    run = simulate_until(scenario, seed, now, lambda world: _holdout_refs(world, org))
    rows = _Rows(run, org, settings, now)
    for case in run.driver.cases:
        if case.classification:  # taken in before now
            rows.add_case(case)
    rows.add_opt_outs()
    written = rows.write(session)
    return HistoryReport(
        created=True,
        failures=rows.failures,
        recovered=rows.recovered,
        open=rows.open,
        messages=rows.messages,
        rows=written,
        seconds=time.perf_counter() - began,
    )


# --- running the simulator up to now ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanRecord:
    """One planning decision of a case: when, what it planned, and why it stopped."""

    at: datetime
    steps: tuple[PlannedStep, ...]
    blocked: GuardDecision | None
    stop_reason: str | None


@dataclass
class RecordingStrategy:
    """The `tinko` strategy, remembering each plan (its reasons and planners go into the
    attempts and the timeline, as `planning.plan_case` writes them)."""

    inner: TinkoStrategy
    plans: dict[int, list[PlanRecord]] = field(default_factory=dict)  # by case slot
    planning: int = -1  # the case being planned (set by DriverUntil)
    holdout: frozenset[str] = frozenset()  # customers Tinko leaves alone (planning.plan_case)
    name: str = "tinko"
    guarded: bool = True

    def __post_init__(self) -> None:
        self.name, self.guarded = self.inner.name, self.inner.guarded

    def plan(
        self,
        payment: PaymentView,
        attempts: Sequence[AttemptView],
        history: Callable[[], list[PastAttempt]],
        now: datetime,
    ) -> Plan:
        if payment.customer_ref in self.holdout:
            plan = Plan((), stop_reason=HOLDOUT_REASON)
        else:
            plan = self.inner.plan(payment, attempts, history, now)
        record = PlanRecord(now, plan.steps, plan.blocked, plan.stop_reason)
        self.plans.setdefault(self.planning, []).append(record)
        return plan

    def window_days(self, category: str, payment_method_type: str | None) -> int:
        return self.inner.window_days(category, payment_method_type)

    def policy_name(self, category: str, payment_method_type: str | None) -> str:
        return self.inner.policies.spec(category, payment_method_type).name

    def records(self, case: SimCase) -> list[PlanRecord]:
        return self.plans.get(case.slot, [])


class DriverUntil(Driver):
    """The simulator's driver, stopped at `end`: what is due later stays planned, as it would
    be in the live scheduler's queue. Also notes which case is being planned (a customer can
    fail twice at the same moment, so the plan's inputs do not tell) and when each customer
    pays through a link."""

    def __init__(self, world: World, strategy: RecordingStrategy, end: float) -> None:
        super().__init__(world, strategy)
        self.recorder = strategy
        self.end = end
        self.paid_at: dict[int, float] = {}  # case slot → when the customer paid by link

    def _push(self, at: float, kind: int, case: int, attempt: int = -1) -> None:
        if at > self.end:
            return  # after now: the live scheduler's business
        if kind == _PAYS:
            self.paid_at[case] = min(at, self.paid_at.get(case, at))
        super()._push(at, kind, case, attempt)

    def _plan(self, case: SimCase) -> None:
        self.recorder.planning = case.slot
        super()._plan(case)


@dataclass
class SimulatedRun:
    world: World
    strategy: RecordingStrategy
    driver: DriverUntil


def _holdout_refs(world: World, org: Organization) -> frozenset[str]:
    """The simulated customers in the org's holdout, by the key the live engine would use."""
    return frozenset(
        c.ref
        for c in world.customers
        if in_holdout(
            org.id,
            customer_key(demo_customer_ref(c.index), None, None, ""),
            org.holdout_percent,
        )
    )


def demo_customer_ref(index: int) -> str:
    return f"cust_demo{index + 1:05d}"


def simulate_until(
    scenario: Scenario,
    seed: int,
    now: datetime,
    holdout: Callable[[World], frozenset[str]] | None = None,
) -> SimulatedRun:
    world = build_world(scenario, seed)
    strategy = RecordingStrategy(
        TinkoStrategy(PolicySource(scenario.merchant_timezone)),
        holdout=holdout(world) if holdout else frozenset(),
    )
    # A retry is recorded a PSP round trip after it is due: stop early enough for it to land.
    driver = DriverUntil(world, strategy, now.timestamp() - 5.0)
    driver.run(world.failures)
    late = [
        a.finished_at
        for c in driver.cases
        for a in c.attempts
        if a.finished_at is not None and a.finished_at > now
    ]
    if late:  # the driver no longer queues through _push: history would run past now
        raise RuntimeError("the simulator ran past now; DriverUntil needs a new hook")
    return SimulatedRun(world, strategy, driver)


# --- the rows --------------------------------------------------------------------------------

_ids = itertools.count()
_B32: Final = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789abcdefghjkmnpqrstvwxyz"
)


def id_at(prefix: str, moment: datetime) -> str:
    """`tinko.kit.ids.new_id`'s format with the virtual moment's milliseconds, so simulated
    rows sort by when they happened; a counter then randomness keep same-moment ids in order."""
    millis = int(moment.timestamp() * 1000)
    raw = millis.to_bytes(6, "big") + (next(_ids) % 2**32).to_bytes(4, "big") + os.urandom(6)
    return f"{prefix}_{base64.b32encode(raw).translate(_B32).decode()[:26]}"


def sandbox_ref(failure: Failure) -> str:
    """The sandbox card or mandate that behaves as the world's hidden truth says: approves
    from the day the money is there or the block clears, or never on the same method."""
    suffix = f"_c{failure.customer.index:05d}"
    behaviour = failure.kind.behaviour
    if behaviour in ("lost_stolen",):
        return f"pm_sandbox_stolen{suffix}"
    if behaviour in ("expired_card", "authentication", "mandate_revoked"):
        return f"pm_sandbox_auth_required{suffix}"
    ready = failure.funds_from(failure.failed_at) if behaviour == "funds" else failure.clears_at
    if ready == NEVER:
        return f"pm_sandbox_insufficient_funds{suffix}"
    days = max(1, math.ceil((ready - failure.failed_at) / DAY))
    if days > 999:
        return f"pm_sandbox_insufficient_funds{suffix}"
    return f"pm_sandbox_funds_after_{days}d{suffix}"


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str | None
    phone: str | None  # E.164
    locale: str


def people(world: World) -> list[Person]:
    """A name, an Indian mobile and a language for each simulated customer (seeded)."""
    rng = random.Random(f"{world.seed}:people")
    out = []
    for customer in world.customers:
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        locale = rng.choices([c for c, _ in _DEMO_LOCALES], [w for _, w in _DEMO_LOCALES])[0]
        email = f"{first}.{last}{customer.index}@example.com".lower() if customer.email else None
        phone = f"+9198{customer.index:08d}" if customer.phone else None
        out.append(Person(f"{first} {last}", email, phone, locale))
    return out


class MessageRenderer:
    """The shipped default templates, rendered once per channel and language with marker
    values, then filled per message: the live renderer's output for thousands of messages in
    milliseconds (rendering each one with CSS inlining would take seconds)."""

    MARKERS: Final = ("customer_name", "amount", "link", "expiry", "reason", "optout", "alt")

    def __init__(self, merchant: str, currency: str) -> None:
        self.merchant = merchant
        self.currency = currency
        self._cache: dict[tuple[str, str, bool], Rendered] = {}

    @staticmethod
    def _marker(name: str) -> str:
        return f"QQTINKO{name.upper().replace('_', '')}QQ"

    def render(
        self, channel: str, lang: str, values: Mapping[str, str], alternates: Sequence[str]
    ) -> Rendered:
        key = (channel, lang, bool(alternates))
        if key not in self._cache:
            self._cache[key] = self._template(channel, lang, bool(alternates))
        shaped = self._cache[key]
        filled = {self._marker(k): v for k, v in values.items()}
        filled[self._marker("alt")] = ", ".join(alternates)

        def fill(text: str, html: bool) -> str:
            for marker, value in filled.items():
                text = text.replace(marker, str(escape(value)) if html else value)
            return text

        return Rendered(
            subject=fill(shaped.subject, False),
            text=fill(shaped.text, False),
            html=fill(shaped.html, True) if shaped.html is not None else None,
        )

    def _template(self, channel: str, lang: str, alternates: bool) -> Rendered:
        shipped = copy.default_template(channel, lang)
        values = {k: self._marker(k) for k in self.MARKERS if k not in ("optout", "alt")}
        variables = variables_for(
            {**values, "currency": self.currency, "merchant": self.merchant},
            [self._marker("alt")] if alternates else [],
        )
        return render_message(
            TemplateContent(shipped.subject, shipped.body, shipped.html),
            variables,
            channel=channel,
            locale=lang,
            unsubscribe_url=self._marker("optout"),
        )


class _Rows:
    """Rows for every table, built case by case, written with one executemany per table."""

    def __init__(self, run: SimulatedRun, org: Organization, settings: Settings, now: datetime):
        self.run = run
        self.world = run.world
        self.org = org
        self.settings = settings
        self.now = now
        self.people = people(run.world)
        self.renderer = MessageRenderer(org.name, run.world.scenario.currency)
        self.tables: dict[type[Any], list[dict[str, Any]]] = {}
        self.last_message: dict[int, datetime] = {}  # customer → their latest message
        self.failures = self.recovered = self.open = self.messages = 0
        self.email_status = "sent" if settings.smtp_host else "outbox"
        self.phone_status = "sent" if settings.twilio_account_sid else "outbox"

    def _add(self, model: type[Any], row: dict[str, Any]) -> None:
        self.tables.setdefault(model, []).append(row)

    def write(self, session: Session) -> int:
        written = 0
        for model in (
            Transaction,
            PaymentEvent,
            RecoveryCase,
            RecoveryAttempt,
            RecoveryLink,
            OutboundMessage,
            TimelineEntry,
            NotificationOptOut,
        ):
            rows = self.tables.get(model)
            if rows:  # Core executemany on the table: rows are keyed by column name
                session.execute(insert(cast(Table, model.__table__)), rows)
                written += len(rows)
        session.flush()
        return written

    def add_opt_outs(self) -> None:
        """Customers the world made opt out: the live service must not message them again."""
        for index in sorted(self.run.driver.opted_out):
            at = self.last_message.get(index)
            if at is None:
                continue
            person = self.people[index]
            contacts = [("email", person.email), ("sms", person.phone), ("whatsapp", person.phone)]
            for channel, recipient in contacts:
                if recipient is None:
                    continue
                self._add(
                    NotificationOptOut,
                    {
                        "id": id_at("opt", at),
                        "org_id": self.org.id,
                        "channel": channel,
                        "recipient_digest": recipient_digest(recipient),
                        "source": "link",
                        "created_at": min(at + timedelta(minutes=10), self.now),
                    },
                )

    # --- one case ---------------------------------------------------------------------------

    def add_case(self, case: SimCase) -> None:
        failure = case.failure
        person = self.people[failure.customer.index]
        failed = utc(failure.failed_at)
        first = classify_code(self.world, failure, failure.kind.code, failure.failed_at)
        txn_id, case_id = id_at("txn", failed), id_at("rec", failed)
        self.failures += 1
        case_rows = _CaseRows(self, case, case_id, person)
        case_rows.attempts()
        closed_at, status, reason = case_rows.outcome()
        paid = status == "recovered"
        next_at = min(
            (a.scheduled_for for a in case.attempts if a.status == "scheduled"), default=None
        )
        self.recovered += paid
        self.open += closed_at is None
        customer = failure.customer
        last_change = max([failed, *case_rows.moments]) if closed_at is None else closed_at
        self._add(
            Transaction,
            {
                "id": txn_id,
                "org_id": self.org.id,
                "transaction_ref": f"{REF_PREFIX}{failure.index + 1:06d}",
                "amount_minor": failure.amount,
                "currency": self.world.scenario.currency,
                "gateway": self.world.scenario.gateway,
                "payment_method_type": customer.payment_method_type,
                "payment_method_ref": sandbox_ref(failure),
                "card_network": customer.card_network,
                "country": customer.country,
                "psp_object_id": f"order_demo{failure.index + 1:06d}",
                "customer_ref": demo_customer_ref(customer.index),
                "customer_email": person.email,
                "customer_phone": person.phone,
                "customer_name": person.name,
                "customer_locale": person.locale,
                "metadata": {},
                "status": "succeeded" if paid else "failed",
                "last_failed_at": failed,
                "succeeded_at": closed_at if paid else None,
                "created_at": failed + WEBHOOK_DELAY,
                "updated_at": last_change + WEBHOOK_DELAY,
            },
        )
        self._add(
            PaymentEvent,
            {
                "id": id_at("evt", failed),
                "org_id": self.org.id,
                "transaction_id": txn_id,
                "kind": "payment_failed",
                "source": self.world.scenario.gateway,
                "external_id": f"demo_evt_{failure.index + 1:06d}",
                "event_type": "payment.failed",
                "occurred_at": failed,
                "received_at": failed + WEBHOOK_DELAY,
                "failure_code": None,
                "decline_code": failure.kind.code,
                "network_advice_code": failure.kind.advice_code,
                "network_decline_code": None,
                "failure_message": None,
                "payment_method_type": customer.payment_method_type,
                "psp_attempt_id": f"pay_demo{failure.index + 1:06d}",
                "classification": first,
                "amount_minor": failure.amount,
                "currency": self.world.scenario.currency,
            },
        )
        if paid and closed_at is not None:
            case_rows.success_event(txn_id, closed_at)
        final = case.classification
        self._add(
            RecoveryCase,
            {
                "id": case_id,
                "org_id": self.org.id,
                "transaction_id": txn_id,
                "status": status,
                "category": final["category"],
                "decline_type": final["decline_type"],
                "classification": final,
                "failure_count": 1,
                "rule_id": None,
                "rule_version": None,
                "policy_name": self.run.strategy.policy_name(
                    str(first["category"]), customer.payment_method_type
                ),
                "policy_id": None,  # the built-in defaults
                "failed_at": failed,
                "holdout": customer.ref in self.run.strategy.holdout,
                "recovered_by": (
                    None if not paid else "payer_link" if case_rows.via_link else "psp_retry"
                ),
                "next_action_at": next_at if closed_at is None else None,
                "expires_at": case.expires_at,
                "created_at": failed + WEBHOOK_DELAY,
                "updated_at": last_change + WEBHOOK_DELAY,
                "closed_at": closed_at,
                "closed_reason": reason,
            },
        )


class _CaseRows:
    """The attempts, messages, links and timeline of one simulated case."""

    def __init__(self, rows: _Rows, case: SimCase, case_id: str, person: Person) -> None:
        self.rows = rows
        self.case = case
        self.case_id = case_id
        self.person = person
        self.org_id = rows.org.id
        self.records = rows.run.strategy.records(case)
        self.moments: list[datetime] = []
        self.links: list[tuple[str, datetime, datetime]] = []  # (id, created, expires)
        self.succeeded_attempt: str | None = None

    def log(self, at: datetime, entry_kind: str, /, **detail: Any) -> None:
        self.moments.append(at)
        self.rows._add(
            TimelineEntry,
            {
                "id": id_at("tle", at),
                "org_id": self.org_id,
                "case_id": self.case_id,
                "at": at,
                "kind": entry_kind,
                "detail": {k: v for k, v in detail.items() if v is not None},
            },
        )

    def attempts(self) -> None:
        planned = [(r, step) for r in self.records for step in r.steps]
        if len(planned) != len(self.case.attempts):
            raise RuntimeError("the recorded plans do not match the simulated attempts")
        ids = []
        for record in self.records:
            if record.blocked is not None:
                self.log(
                    record.at,
                    "retry_blocked",
                    rule=record.blocked.rule,
                    reason=record.blocked.reason,
                )
        for number, ((record, step), attempt) in enumerate(
            zip(planned, self.case.attempts, strict=True), start=1
        ):
            attempt_id = id_at("att", record.at)
            ids.append(attempt_id)
            self.log(
                record.at,
                "planned",
                attempt_id=attempt_id,
                kind=step.kind,
                channel=step.channel,
                scheduled_for=step.at.isoformat(),
                reason=step.reason,
                planned_by=step.planned_by,
            )
            self._attempt(attempt_id, number, record.at, step, attempt)

    def _attempt(
        self,
        attempt_id: str,
        number: int,
        planned_at: datetime,
        step: PlannedStep,
        attempt: SimAttempt,
    ) -> None:
        failure = self.case.failure
        detail: str | None = step.reason
        decline = None
        ran = attempt.status == "done" and attempt.outcome != "blocked"
        finished = attempt.finished_at
        if attempt.status == "cancelled":
            detail = "case closed"
        elif attempt.outcome == "blocked" and finished is not None:
            detail = "held back by the card network rules"
            self.log(finished, "blocked", attempt_id=attempt_id, reason=detail)
        elif attempt.kind == "psp_retry" and finished is not None:
            if attempt.outcome == "succeeded":
                detail = f"charged (pay_demo{failure.index + 1:06d}r{number})"
                self.succeeded_attempt = attempt_id
                self.log(finished, "attempt_succeeded", attempt_id=attempt_id)
            else:
                code = self._decline_code(attempt)
                classified = classify_code(
                    self.rows.world, failure, code, attempt.scheduled_for.timestamp()
                )
                detail = str(classified.get("reason") or "declined")
                decline = {"decline_code": code, "failure_code": None, **classified}
                self.log(
                    finished,
                    "attempt_declined",
                    attempt_id=attempt_id,
                    category=classified["category"],
                    decline_code=code,
                )
        elif finished is not None:
            detail = self._message(attempt_id, attempt, finished)
        self.rows._add(
            RecoveryAttempt,
            {
                "id": attempt_id,
                "org_id": self.org_id,
                "case_id": self.case_id,
                "kind": attempt.kind,
                "channel": attempt.channel,
                "attempt_number": number,
                "status": attempt.status,
                "scheduled_for": attempt.scheduled_for,
                "claimed_until": None,
                "started_at": attempt.scheduled_for if ran else None,
                "finished_at": finished,
                "outcome": attempt.outcome,
                "detail": detail[:500] if detail else None,
                "blocked_by": None,
                "payment_method_ref": sandbox_ref(failure),
                "card_network": failure.customer.card_network,
                "decline": decline,
                "planned_by": step.planned_by,
                "created_at": planned_at,
            },
        )

    def _decline_code(self, attempt: SimAttempt) -> str:
        """What the PSP answered: the world's answer at that moment, or the original code
        when the network turned the attempt away (NPCI hours and cycle caps)."""
        failure = self.case.failure
        code = charge(self.rows.world, failure, attempt.scheduled_for.timestamp())
        return code if code is not None else failure.kind.code

    def _message(self, attempt_id: str, attempt: SimAttempt, at: datetime) -> str:
        channel = attempt.channel or "email"
        failure = self.case.failure
        recipient = self.person.email if channel == "email" else self.person.phone
        if attempt.outcome != "succeeded" or recipient is None:
            if channel in reachable(failure) and recipient is not None:
                reason = f"the customer opted out of {channel} messages"
            else:
                reason = f"no {channel} contact for the customer"
            self.log(at, "message_skipped", attempt_id=attempt_id, reason=reason)
            return reason
        rows, org = self.rows, self.rows.org
        lang = copy.language(self.person.locale) or copy.DEFAULT_LOCALE
        token = make_token(rows.settings.secret_key)
        link_id, expires = id_at("lnk", at), at + timedelta(hours=org.link_ttl_hours)
        rows._add(
            RecoveryLink,
            {
                "id": link_id,
                "org_id": self.org_id,
                "case_id": self.case_id,
                "token_digest": token_digest(token),
                "channel": channel,
                "created_at": at,
                "expires_at": expires,
                "first_opened_at": None,
                "open_count": 0,
                "used_at": None,
            },
        )
        self.links.append((link_id, at, expires))
        category = str(self.case.classification["category"])
        values = {
            "customer_name": self.person.name,
            "amount": copy.format_amount(failure.amount, rows.world.scenario.currency, lang),
            "link": f"{rows.settings.base_url}/pay/{token}",
            "expiry": copy.format_moment(expires, org.timezone, lang),
            "reason": copy.phrase("reasons", category, lang),
            "optout": unsubscribe_url(
                rows.settings.base_url, rows.settings.secret_key, org.id, channel, recipient
            ),
        }
        alternates = [
            copy.phrase("methods", m, lang)
            for m in self.case.classification.get("alternate_methods", [])
        ]
        rendered = rows.renderer.render(channel, lang, values, alternates)
        message_id = id_at("msg", at)
        status = rows.email_status if channel == "email" else rows.phone_status
        rows._add(
            OutboundMessage,
            {
                "id": message_id,
                "org_id": self.org_id,
                "channel": channel,
                "recipient": recipient,
                "subject": rendered.subject,
                "body_text": rendered.text,
                "body_html": rendered.html,
                "kind": "recovery_link",
                "status": status,
                "created_at": at,
                "sent_at": at,
                "case_id": self.case_id,
                "customer_key": f"ref:cust_demo{failure.customer.index + 1:05d}",
                "locale": lang,
                "template_id": None,
                "template_version": None,
                "unsubscribe_url": values["optout"],
                "provider_template_id": None,
                "provider_variables": None,
                "provider_message_id": None,
                "tries": 1,
                "not_before": None,
                "claimed_at": None,
                "error": None,
                "updated_at": at,
            },
        )
        rows.messages += 1
        index = failure.customer.index
        rows.last_message[index] = max(at, rows.last_message.get(index, at))
        self.log(at, "link_sent", attempt_id=attempt_id, channel=channel, link_id=link_id)
        return f"message {message_id} queued for {channel}"

    def outcome(self) -> tuple[datetime | None, str, str | None]:
        """(closed_at, status, closed_reason) as the engine would have closed the case."""
        case = self.case
        if case.open:
            if any(a.status == "scheduled" for a in case.attempts):
                return None, "scheduled", None
            # Nothing planned and nothing to wait for: the engine closes such a case.
            at = max(self.moments, default=utc(case.failure.failed_at))
            self.log(at, "exhausted", reason="nothing more to try within the recovery window")
            return at, "exhausted", "nothing more to try within the recovery window"
        if case.status == "recovered":
            via_link = self.succeeded_attempt is None
            if via_link:
                at = utc(self.rows.run.driver.paid_at[case.slot])
                self._paid_by_link(at)
                source = "payer_page"
            else:
                at = next(
                    a.finished_at
                    for a in case.attempts
                    if a.outcome == "succeeded" and a.kind == "psp_retry" and a.finished_at
                )
                source = "retry"
            paid = f"payment succeeded ({source}) at {at.isoformat()}"
            self.log(at, "recovered", reason=paid)
            return at, "recovered", paid
        closing = next((r for r in reversed(self.records) if r.stop_reason), None)
        reason = closing.stop_reason if closing else case.closed_reason
        at = closing.at if closing else max(self.moments, default=utc(case.failure.failed_at))
        self.log(at, case.status, reason=reason)
        return at, case.status, reason

    def _paid_by_link(self, at: datetime) -> None:
        """The payer page: the newest link still valid then was opened and paid through."""
        valid = [link for link in self.links if link[1] <= at <= link[2]] or self.links
        if not valid:
            return
        link_id = valid[-1][0]
        opened = max(valid[-1][1], at - OPEN_BEFORE_PAYING)
        for row in self.rows.tables[RecoveryLink]:
            if row["id"] == link_id:
                row.update(first_opened_at=opened, open_count=1, used_at=at)
        self.log(opened, "link_opened", link_id=link_id)
        self.log(opened, "checkout_started", link_id=link_id)

    @property
    def via_link(self) -> bool:
        return self.succeeded_attempt is None

    def success_event(self, txn_id: str, at: datetime) -> None:
        via_retry = self.succeeded_attempt is not None
        failure = self.case.failure
        self.rows._add(
            PaymentEvent,
            {
                "id": id_at("evt", at),
                "org_id": self.org_id,
                "transaction_id": txn_id,
                "kind": "payment_succeeded",
                "source": "retry" if via_retry else "payer_page",
                "external_id": self.succeeded_attempt
                if via_retry
                else f"checkout:demo{failure.index + 1:06d}",
                "event_type": "tinko.retry_succeeded" if via_retry else "sandbox.checkout_paid",
                "occurred_at": at,
                "received_at": at,
                "failure_code": None,
                "decline_code": None,
                "network_advice_code": None,
                "network_decline_code": None,
                "failure_message": None,
                "payment_method_type": None,
                "psp_attempt_id": None,
                "classification": None,
                "amount_minor": failure.amount,
                "currency": self.rows.world.scenario.currency,
            },
        )
