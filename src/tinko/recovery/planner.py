"""What a case does next: pure decisions from the case, its policy, the matched rule, the
network rules and `now`. No I/O; the engine writes the plan down.

One silent retry and one customer message are planned at a time; each result re-plans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Literal, Protocol

from tinko.policies.paydays import (
    AUTO,
    CalendarPayday,
    last_of_pay_event,
    next_calendar_payday,
    on_or_after_payday,
    pay_events_between,
)
from tinko.policies.windows import (
    PAYDAY_HOUR,
    UPI_AUTOPAY_NON_PEAK,
    WEEKDAY_NAMES,
    WindowSpec,
    next_allowed,
    next_payday_moment,
    parse_window_spec,
    quiet_hours_end,
    resolve_local,
    zone,
)
from tinko.reasons.codes import Basis, Reason, make
from tinko.reasons.codes import ReasonCode as R
from tinko.recovery.guard import check_attempt, earliest_allowed
from tinko.recovery.guard.types import GuardDecision, PastAttempt, ProposedAttempt
from tinko.recovery.settlement import last_send_moment, last_try_moment
from tinko.recovery.timing import (
    FIXED,
    Timing,
    cells,
    choose,
    explain,
    learned_weekday,
    weekday_cell,
)
from tinko.recovery.transient import transient_wait
from tinko.rules import Action, RetryAction, RuleSpec, SendLinkAction, StopAction

MANDATE_METHODS = frozenset({"upi", "emandate"})
# The built-in policy for a decline nobody can read spreads its retries after the first over
# the window (decision 0031); a merchant's own policy for it keeps its backoff as written.
UNKNOWN_CATEGORY = "unknown"
_SPREAD_CODES = frozenset({R.PLANNED_SPREAD_IN_WINDOW, R.PLANNED_SPREAD_UNKNOWN})
# The retries of a payday policy a learned weekday moves (decision 0032): on a calendar
# payday, between paydays, spread to the window's end. Not the last chance (at the window's
# end), an outage's backoff or a rule's own timing.
_WEEKDAY_CODES = frozenset(
    {R.PLANNED_ON_CALENDAR_PAYDAY, R.PLANNED_BY_POLICY, R.PLANNED_SPREAD_IN_WINDOW}
)
MAX_MESSAGES_PER_CASE = 2
MIN_HOURS_BETWEEN_MESSAGES = 24
_WINDOW_AND_GUARD_ROUNDS = 8
_WAKING_ROUNDS = 3  # passes over the customer's possible zones before giving up on them all
# A pay calendar is a guess at when the customer is paid: weekly, fortnightly and irregular
# earners are paid between its dates (BLS: biweekly and weekly are the commonest US pay
# periods). When the next calendar payday is further off than a week after the last try (and
# the margin), a retry a week after it reaches them, as long as the retries left still cover
# every pay event before the deadline (decision 0025).
BETWEEN_PAYDAYS = timedelta(days=10)
BETWEEN_PAYDAYS_MARGIN = timedelta(days=2)
# A retry the schedule puts after the window's end is not dropped: it goes an hour before the
# end (settlement.last_try_moment), when that is at least LAST_CHANCE_SPACING after the last
# try. A hold or a shortfall has had the longest to clear by then (decision 0029).
LAST_CHANCE_SPACING = timedelta(hours=12)
# Outside the retry windows (NPCI's peak hours, business hours) the last try steps back in
# these steps, at most a day, to the latest allowed moment.
_LAST_CHANCE_STEP = timedelta(minutes=15)
_LAST_CHANCE_STEPS = 96


class PolicyLike(Protocol):
    """What the planner reads of a retry policy (tinko.policies.PolicySpec)."""

    @property
    def id(self) -> str | None: ...
    @property
    def name(self) -> str: ...
    @property
    def strategy(self) -> str: ...
    @property
    def silent_retries(self) -> bool: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def initial_delay_minutes(self) -> int: ...
    @property
    def backoff_multiplier(self) -> float: ...
    @property
    def max_delay_minutes(self) -> int: ...
    @property
    def channels(self) -> tuple[str, ...]: ...
    @property
    def link_after_attempt(self) -> int | None: ...
    @property
    def windows(self) -> WindowSpec: ...
    @property
    def quiet_hours(self) -> tuple[time, time] | None: ...
    @property
    def paydays(self) -> tuple[int, ...] | str: ...
    @property
    def learned_timing(self) -> bool: ...


@dataclass(frozen=True)
class CaseFacts:
    category: str
    retryable: bool
    cooldown_seconds: int
    visa_category: int | None
    merchant_advice_code: str | None
    payment_method_type: str | None
    payment_method_ref: str | None
    card_network: str | None
    failed_at: datetime  # the newest failure of the payment
    expires_at: datetime  # the end of the recovery window
    retries_done: int
    last_retry_at: datetime | None
    messages_sent: int
    last_message_at: datetime | None
    reachable_channels: tuple[str, ...]  # channels we have contact details for
    pending_kinds: frozenset[str]  # kinds that already have a planned attempt
    outage_streak: int = 0  # outage declines in a row that did not use up the budget
    timezone: str | None = None  # the customer's zone; None: the policy's (the merchant's)
    pay_calendar: str | None = None  # the customer's pay calendar (policies.paydays) for auto
    # Every zone the customer may be in when ``timezone`` is a guess among several (notify.zones).
    message_zones: tuple[str, ...] = ()
    # The newest decline of the case's own kind (not an outage met on the way): the one whose
    # Mastercard advice the classification holds, so an advised delay counts from it. None:
    # the last retry's, else the failure's.
    own_decline_at: datetime | None = None


@dataclass(frozen=True)
class PlannedStep:
    kind: Literal["psp_retry", "notification"]
    at: datetime
    channel: str | None
    planned_by: str
    reason: str
    why: Reason | None = None  # the structured reason (tinko.reasons), stored with the attempt
    # the learned-timing slot ("category/rail/d1h09|dom15|wd0"), if it chose
    slot: str | None = None


@dataclass(frozen=True)
class Plan:
    steps: tuple[PlannedStep, ...]
    blocked: GuardDecision | None = None  # a retry the network rules refused, for the timeline
    stop_reason: str | None = None  # set when nothing more will ever be planned
    stop_why: Reason | None = None  # the same, structured


def plan_next(
    facts: CaseFacts,
    policy: PolicyLike,
    actions: Sequence[Action],
    rule_label: str | None,
    history: Sequence[PastAttempt],
    now: datetime,
    timing: Timing | None = None,
    *,
    rule: RuleSpec | None = None,
) -> Plan:
    """``rule`` is the matched rule ``rule_label`` names, for the steps' reasons."""
    planner = rule_label or f"policy:{policy.name}"
    basis = _basis(facts, policy, rule)
    if any(isinstance(a, StopAction) for a in actions):
        why = make(R.STOPPED_BY_RULE, basis)
        return Plan((), stop_reason=f"stopped by {planner}", stop_why=why)
    steps: list[PlannedStep] = []
    retry, blocked = _next_retry(facts, policy, actions, history, now, planner, basis, timing)
    if retry is not None:
        steps.append(retry)
    message = _next_message(
        facts, policy, actions, now, planner, basis, retry_planned=retry is not None
    )
    if message is not None:
        steps.append(message)
    if steps or facts.pending_kinds:
        return Plan(tuple(steps), blocked)
    stop, why = _why_finished(facts, policy, blocked, basis)
    return Plan((), blocked, stop_reason=stop, stop_why=why)


def _basis(facts: CaseFacts, policy: PolicyLike, rule: RuleSpec | None) -> Basis:
    return Basis(
        policy_id=getattr(policy, "id", None),
        policy_name=policy.name,
        policy_version=getattr(policy, "version", None),
        rule_id=rule.id if rule else None,
        rule_name=rule.name if rule else None,
        rule_version=rule.version if rule else None,
        category=facts.category,
    )


def _next_retry(
    facts: CaseFacts,
    policy: PolicyLike,
    actions: Sequence[Action],
    history: Sequence[PastAttempt],
    now: datetime,
    planner: str,
    basis: Basis,
    timing: Timing | None,
) -> tuple[PlannedStep | None, GuardDecision | None]:
    rule_retry = next((a for a in actions if isinstance(a, RetryAction)), None)
    # Hard declines are never retried on the same method, whatever a rule says.
    if not facts.retryable or not facts.payment_method_ref or "psp_retry" in facts.pending_kinds:
        return None, None
    if rule_retry is None and (
        not policy.silent_retries or facts.retries_done >= policy.max_attempts
    ):
        return None, None
    if rule_retry is not None and facts.retries_done >= max(policy.max_attempts, 1):
        return None, None
    # A bank debit sent later than this settles after the window closes.
    deadline = last_send_moment(facts.payment_method_type, facts.expires_at)
    counts = _counts_weekdays(facts, policy, timing)
    weekday = learned_weekday(timing.stats) if counts and timing is not None else None
    at, why, code, delay, learnable = _retry_time(facts, policy, rule_retry, now, deadline)
    if weekday is not None and rule_retry is None and code in _WEEKDAY_CODES:
        # The weekday explains the merchant's outcomes, not the day of the month: no move by
        # it, and the policy's retry goes on the weekday nearest it (decision 0032).
        learnable = None
        moved = _on_weekday(facts, policy, at, now, deadline, weekday[0])
        if moved is not None:
            at, learnable = moved, "weekday"
            name = WEEKDAY_NAMES[weekday[0]]
            why = f"retry on {name}, the weekday this merchant's customers are paid on"
    windows = _retry_windows(facts, policy, rule_retry)
    # A spread retry at the window's end that the retry windows would push past it steps
    # back into them as the last chance does.
    past_end = at > deadline or (code in _SPREAD_CODES and next_allowed(at, windows) > deadline)
    if past_end and (rule_retry is None or rule_retry.after_minutes is None):
        last = _last_chance(facts, now, windows)
        if last is not None:
            why = "the schedule runs past the window: a last try before it ends"
            at, code, delay, learnable = last, R.PLANNED_LAST_CHANCE, None, None
    planned_at, moved_by = at, None
    proposed = ProposedAttempt(
        at=at,
        initiator="merchant",
        card_network=facts.card_network,
        payment_method_type=facts.payment_method_type or "card",
        last_decline_visa_category=facts.visa_category,
        last_decline_merchant_advice_code=facts.merchant_advice_code,
        # An outage decline carries no merchant advice: the advised wait (MAC 24-30) runs
        # from the decline that gave it, not again from each outage met on the way.
        last_decline_at=facts.own_decline_at or facts.last_retry_at or facts.failed_at,
    )
    slot, learned = None, None
    if learnable in ("payday", "backoff") and timing is not None and policy.learned_timing:

        def allowed(moment: datetime) -> bool:
            guard_at = earliest_allowed(replace(proposed, at=moment), history)
            return (
                moment <= deadline
                and next_allowed(moment, windows) == moment
                and guard_at == moment
            )

        lower = max(now, facts.failed_at + timedelta(seconds=facts.cooldown_seconds))
        lower = max(lower, (facts.last_retry_at or facts.failed_at) + timedelta(seconds=1))
        monthly = learnable == "payday"
        choice = choose(timing, at, lower, local_zone(facts, policy), allowed, monthly=monthly)
        at, why = choice.at, explain(choice)
        planned_at, learned = at, choice
    for _ in range(_WINDOW_AND_GUARD_ROUNDS):
        at = next_allowed(at, windows)
        allowed_at = earliest_allowed(replace(proposed, at=at), history)
        if allowed_at is None:
            return None, check_attempt(replace(proposed, at=at), history)
        if allowed_at == at:
            break
        moved_by = check_attempt(replace(proposed, at=at), history)
        at = allowed_at
    if at > deadline:
        return None, None
    if timing is not None and (counts or learned is not None):
        # The calendar cells of the moment the retry really has.
        zone_name = local_zone(facts, policy)
        off = (weekday_cell(at, zone_name),) if counts else ()
        if off and on_or_after_payday(at, zone_name, facts.pay_calendar):
            off = ()
        if learned is not None:
            slot = "|".join((learned.key, *cells(at, zone_name), *off))
        elif off:  # a retry the policy timed itself still tells which weekdays pay
            slot = "|".join((f"{timing.scope}/{FIXED}", *off))
    number = facts.retries_done + 1
    if moved_by is not None and moved_by.rule is not None:
        reason = make(
            R.SHIFTED_BY_NETWORK_RULE,
            basis,
            attempt_number=number,
            network=moved_by.rule.split(".", 1)[0],
            rule=moved_by.rule,
            **{"from": planned_at, "to": at},
        )
    elif at != planned_at:
        window = "npci_non_peak" if windows is UPI_AUTOPAY_NON_PEAK else windows.preset
        reason = make(
            R.SHIFTED_TO_WINDOW,
            basis,
            attempt_number=number,
            window=window or "custom",
            timezone=windows.timezone,
            **{"from": planned_at, "to": at},
        )
    elif learnable == "weekday" and weekday is not None:
        seen = weekday[1]
        reason = make(
            R.PLANNED_LEARNED_SLOT,
            basis,
            attempt_number=number,
            at=at,
            slot=f"weekly:{WEEKDAY_NAMES[weekday[0]]}",
            successes=seen.successes,
            tries=seen.successes + seen.failures,
        )
    elif learned is not None:
        reason = make(
            R.PLANNED_LEARNED_SLOT,
            basis,
            attempt_number=number,
            at=at,
            slot=learned.key.rsplit("/", 1)[-1],
            successes=learned.successes,
            tries=learned.tries,
        )
    elif code == R.PLANNED_ON_PAYDAY:
        reason = make(code, basis, attempt_number=number, at=at)
    elif code == R.PLANNED_LAST_CHANCE:
        reason = make(code, basis, attempt_number=number, at=at, expires_at=facts.expires_at)
    elif code in _SPREAD_CODES:
        left = policy.max_attempts - facts.retries_done
        expires = facts.expires_at
        reason = make(
            code, basis, attempt_number=number, at=at, retries_left=left, expires_at=expires
        )
    elif code == R.PLANNED_ON_CALENDAR_PAYDAY:
        calendar, pattern = _calendar_of(why)
        reason = make(code, basis, attempt_number=number, at=at, calendar=calendar, pattern=pattern)
    else:
        reason = make(code, basis, attempt_number=number, delay_minutes=delay, at=at)
    step = PlannedStep("psp_retry", at, None, planner, why, reason, slot)
    return step, None


def _calendar_of(why: str) -> tuple[str, str]:
    """The calendar and pattern a calendar payday's ``why`` ends with ("... IN:monthly")."""
    calendar, _, pattern = why.rpartition(" ")[2].partition(":")
    return calendar, pattern


def _retry_time(
    facts: CaseFacts,
    policy: PolicyLike,
    rule_retry: RetryAction | None,
    now: datetime,
    deadline: datetime,
) -> tuple[datetime, str, R, int | None, str | None]:
    """When to retry, in words, the reason code with the delay it names (minutes), and how
    learned timing may move it: "payday" or "backoff"; None for a rule's own delay or an
    outage backoff. A payday after ``deadline`` (the last useful send) falls back to backoff."""
    since = facts.last_retry_at or facts.failed_at
    earliest = max(now, facts.failed_at + timedelta(seconds=facts.cooldown_seconds))
    by_rule = R.PLANNED_BY_RULE if rule_retry is not None else R.PLANNED_BY_POLICY
    if rule_retry is not None and rule_retry.after_minutes is not None:
        at = max(earliest, since + timedelta(minutes=rule_retry.after_minutes))
        why = f"retry {rule_retry.after_minutes} min after the last try (rule)"
        return at, why, *_timing(facts, at, by_rule, rule_retry.after_minutes), None
    if facts.outage_streak and facts.last_retry_at is not None:
        wait = transient_wait(facts.outage_streak)
        at = max(earliest, facts.last_retry_at + wait)
        minutes = round(wait.total_seconds() / 60)
        why = f"the bank was unavailable: retry in {minutes // 60} h (not counted as a retry)"
        return at, why, R.PLANNED_AFTER_OUTAGE, minutes, None
    wants_payday = policy.strategy == "payday" or (
        rule_retry is not None and rule_retry.window == "payday"
    )
    if wants_payday:
        # Strictly after the last try: a retry that ran at the payday moment itself must not
        # be planned again for that same moment (that would spend several retries at once).
        after = max(earliest, since + timedelta(seconds=1))
        if policy.paydays == AUTO:
            found: CalendarPayday | None
            # One retry per pay event, on its last day (decisions 0021, 0025).
            zone_name = local_zone(facts, policy)
            found = last_of_pay_event(after, zone_name, facts.pay_calendar, deadline)
            if found is not None and facts.payment_method_type not in MANDATE_METHODS:
                # A card's reason names the day's own pattern (monthly, weekly).
                found = next_calendar_payday(found.at, zone_name, facts.pay_calendar)
                between = None
                if rule_retry is None:
                    between = _between_paydays(facts, policy, after, since, found.at, deadline)
                if between is not None:
                    gap = BETWEEN_PAYDAYS.days
                    why = f"no payday within {gap} days: retry {gap} days after the last try"
                    minutes = round((between - since).total_seconds() / 60)
                    return between, why, by_rule, minutes, None
            if found is not None and found.at <= deadline:
                # The last word names the calendar and pattern the reason records.
                why = (
                    f"retry on the next payday of the pay calendar {found.calendar}:{found.pattern}"
                )
                return found.at, why, R.PLANNED_ON_CALENDAR_PAYDAY, None, "payday"
        else:
            days = tuple(int(d) for d in policy.paydays)
            at = next_payday_moment(after, local_zone(facts, policy), days)
            if at <= deadline:
                why = "retry on the next payday, when balances are replenished"
                return at, why, R.PLANNED_ON_PAYDAY, None, "payday"
        if rule_retry is None and facts.payment_method_type not in MANDATE_METHODS:
            at = _spread_to_window_end(facts, policy, earliest, since)
            left = policy.max_attempts - facts.retries_done
            why = f"no payday left in the window: the retries left ({left}) spread to its end"
            return at, why, R.PLANNED_SPREAD_IN_WINDOW, None, None
    if (
        rule_retry is None
        and policy.id is None
        and facts.category == UNKNOWN_CATEGORY
        and facts.retries_done > 0
    ):
        # A code nobody knows says nothing about when it clears (decision 0031): the first
        # retry keeps the profile's backoff (a decline that clears within hours is met early),
        # the others share the rest of the window.
        at = _spread_to_window_end(facts, policy, earliest, since)
        left = policy.max_attempts - facts.retries_done
        why = f"unknown decline: the retries left ({left}) spread to the window's end"
        return at, why, R.PLANNED_SPREAD_UNKNOWN, None, None
    delay = _backoff_minutes(facts, policy)
    at = max(earliest, since + timedelta(minutes=delay))
    timing = _timing(facts, at, by_rule, delay)
    return at, f"retry after {round(delay)} min of backoff", *timing, "backoff"


def _on_weekday(
    facts: CaseFacts,
    policy: PolicyLike,
    at: datetime,
    now: datetime,
    deadline: datetime,
    weekday: int,
) -> datetime | None:
    """The learned weekday nearest the policy's retry moment, at the payday hour in the
    customer's zone: the one on or before it (the money came then), else the next one; None
    when neither is between the earliest moment a retry may run and ``deadline``. The
    policy's cadence (one retry per pay event, between paydays, to the window's end) stays."""
    tz = zone(local_zone(facts, policy))
    lower = max(now, facts.failed_at + timedelta(seconds=facts.cooldown_seconds))
    lower = max(lower, (facts.last_retry_at or facts.failed_at) + timedelta(seconds=1))
    day = at.astimezone(tz).date()
    last = day - timedelta(days=(day.weekday() - weekday) % 7)
    for on in (last, last + timedelta(days=7)):
        moment = resolve_local(datetime.combine(on, time(PAYDAY_HOUR), tzinfo=tz))
        if lower <= moment <= deadline:
            return moment.astimezone(at.tzinfo)
    return None


def _counts_weekdays(facts: CaseFacts, policy: PolicyLike, timing: Timing | None) -> bool:
    """Whether this retry learns (and may use) the weekday the merchant's customers are paid
    on: a card retry of a payday policy on the customer's own calendar, with learned timing
    (decision 0032). Mandates keep to one retry per calendar pay event (decision 0021)."""
    return (
        timing is not None
        and policy.learned_timing
        and policy.strategy == "payday"
        and policy.paydays == AUTO
        and facts.payment_method_type not in MANDATE_METHODS
    )


def _last_chance(facts: CaseFacts, now: datetime, windows: WindowSpec) -> datetime | None:
    """The window's last useful moment the retry windows allow, for a retry the schedule
    would send after it; None when that is too close to the last try (or the decline's
    cooldown) to be another chance."""
    since = facts.last_retry_at or facts.failed_at
    earliest = max(now, facts.failed_at + timedelta(seconds=facts.cooldown_seconds))
    earliest = max(earliest, since + LAST_CHANCE_SPACING)
    at = last_try_moment(facts.payment_method_type, facts.expires_at)
    for _ in range(_LAST_CHANCE_STEPS):
        if at < earliest:
            return None
        if next_allowed(at, windows) == at:
            return at
        at -= _LAST_CHANCE_STEP
    return None


def _spread_to_window_end(
    facts: CaseFacts, policy: PolicyLike, earliest: datetime, since: datetime
) -> datetime:
    """A payday retry when no payday is left in the window (decision 0030), or an unknown
    decline's retry after the first (decision 0031): the retries left share the rest of the
    window evenly, the last one at its last try, never sooner than the policy's backoff.
    Backoff alone (2, 4, 7, 7 days) spends them in the window's first three weeks; money or a
    hold's end that comes later (a payday the calendar does not know, irregular income) then
    meets no retry."""
    left = max(1, policy.max_attempts - facts.retries_done)
    end = last_try_moment(facts.payment_method_type, facts.expires_at)
    gap = max(timedelta(minutes=_backoff_minutes(facts, policy)), (end - since) / left)
    return max(earliest, since + gap)


def _backoff_minutes(facts: CaseFacts, policy: PolicyLike) -> float:
    """The policy's wait after the last try: its initial delay, growing with each retry."""
    return min(
        policy.initial_delay_minutes * policy.backoff_multiplier**facts.retries_done,
        policy.max_delay_minutes,
    )


def _between_paydays(
    facts: CaseFacts,
    policy: PolicyLike,
    after: datetime,
    since: datetime,
    payday: datetime,
    deadline: datetime,
) -> datetime | None:
    """A retry between calendar paydays (see BETWEEN_PAYDAYS), or None when the next payday
    is near enough or the retries left are all needed for the pay events to come."""
    at = max(after, since + BETWEEN_PAYDAYS)
    if payday - at < BETWEEN_PAYDAYS_MARGIN or at > deadline:
        return None
    left = policy.max_attempts - facts.retries_done - 1
    zone_name = local_zone(facts, policy)
    needed = pay_events_between(at + timedelta(seconds=1), deadline, zone_name, facts.pay_calendar)
    return at if left >= needed else None


def _timing(facts: CaseFacts, at: datetime, code: R, delay: float) -> tuple[R, int]:
    """The code and delay a retry's reason names: the decline's cooldown when that, not the
    policy's or rule's delay, set the time."""
    cooled = facts.failed_at + timedelta(seconds=facts.cooldown_seconds)
    since = facts.last_retry_at or facts.failed_at
    if facts.cooldown_seconds and at == cooled and cooled > since + timedelta(minutes=delay):
        return R.PLANNED_AFTER_COOLDOWN, facts.cooldown_seconds // 60
    return code, round(delay)


def _retry_windows(
    facts: CaseFacts, policy: PolicyLike, rule_retry: RetryAction | None
) -> WindowSpec:
    if facts.payment_method_type in MANDATE_METHODS:
        return UPI_AUTOPAY_NON_PEAK  # NPCI: mandate debits only in non-peak hours
    if rule_retry is not None and rule_retry.window in ("anytime", "business_hours", "weekdays"):
        zone_name = local_zone(facts, policy)
        return parse_window_spec({"timezone": zone_name, "preset": rule_retry.window})
    preset = policy.windows.preset
    if policy.id is None and facts.timezone and preset in ("anytime", "business_hours", "weekdays"):
        # A built-in policy's preset means the customer's day; a merchant's own windows keep
        # the zone the merchant wrote.
        return parse_window_spec({"timezone": facts.timezone, "preset": preset})
    return policy.windows


def local_zone(facts: CaseFacts, policy: PolicyLike) -> str:
    """The zone paydays and quiet hours are read in: the customer's when known."""
    return facts.timezone or policy.windows.timezone


def _next_message(
    facts: CaseFacts,
    policy: PolicyLike,
    actions: Sequence[Action],
    now: datetime,
    planner: str,
    basis: Basis,
    *,
    retry_planned: bool,
) -> PlannedStep | None:
    if "notification" in facts.pending_kinds or facts.messages_sent >= MAX_MESSAGES_PER_CASE:
        return None
    rule_link = next((a for a in actions if isinstance(a, SendLinkAction)), None)
    preferred = rule_link.channels if rule_link else policy.channels
    channel = next((c for c in preferred if c in facts.reachable_channels), None)
    if channel is None:
        return None
    extra: dict[str, object] = {}
    if rule_link is not None:
        at = facts.failed_at + timedelta(minutes=rule_link.after_minutes or 0)
        why, code = "payment link (rule)", R.LINK_BY_RULE
    elif not facts.retryable or not facts.payment_method_ref or not policy.silent_retries:
        # A customer-only policy's initial delay is a wait before the first message (a UPI
        # payment may still settle by itself within it).
        at = facts.failed_at + timedelta(minutes=policy.initial_delay_minutes)
        why = "the customer must act: payment link with other ways to pay"
        code = (
            R.LINK_HARD_DECLINE
            if not facts.retryable
            else R.LINK_NO_SAVED_METHOD
            if not facts.payment_method_ref
            else R.LINK_CUSTOMER_ONLY_POLICY
        )
    elif policy.link_after_attempt is not None and facts.retries_done >= policy.link_after_attempt:
        at, why = now, f"payment link after {facts.retries_done} failed retries"
        code, extra = R.LINK_AFTER_RETRIES, {"retries": facts.retries_done}
    elif not retry_planned and facts.messages_sent == 0:
        at, why, code = now, "silent retries are over: payment link", R.LINK_RETRIES_OVER
    else:
        return None
    if facts.messages_sent > 0 and facts.last_message_at is not None:
        at = max(at, facts.last_message_at + timedelta(hours=MIN_HOURS_BETWEEN_MESSAGES))
        why = "reminder: " + why
        code = R.REMINDER
        extra = {"previous_at": facts.last_message_at, "gap_hours": MIN_HOURS_BETWEEN_MESSAGES}
    at = wanted = max(at, now)
    binding = local_zone(facts, policy)
    if policy.quiet_hours is not None:
        at, binding = waking_moment(at, facts, policy, policy.quiet_hours)
    if at > facts.expires_at:
        return None
    if at != wanted and policy.quiet_hours is not None:
        start, end = policy.quiet_hours
        reason = make(
            R.SHIFTED_QUIET_HOURS,
            basis,
            channel=channel,
            timezone=binding,
            quiet_start=f"{start:%H:%M}",
            quiet_end=f"{end:%H:%M}",
            **{"from": wanted, "to": at},
        )
    else:
        reason = make(code, basis, channel=channel, at=at, **extra)
    return PlannedStep("notification", at, channel, planner, why, reason)


def waking_moment(
    at: datetime, facts: CaseFacts, policy: PolicyLike, quiet: tuple[time, time]
) -> tuple[datetime, str]:
    """The first moment from ``at`` outside quiet hours in every zone the customer may be in,
    and the zone whose quiet hours set it. When the zone is only guessed among several, a
    message in the guess's morning lands in the night further west; when those zones share
    no waking hour (over ~13 h apart), the guessed zone alone decides."""
    primary = local_zone(facts, policy)
    first = quiet_hours_end(at, primary, *quiet)
    zones = facts.message_zones
    if len(zones) < 2:
        return first, primary
    moment, binding = first, primary
    for _ in range(_WAKING_ROUNDS):
        before = moment
        for name in zones:
            later = quiet_hours_end(moment, name, *quiet)
            if later != moment:
                moment, binding = later, name
        if moment == before:
            return (moment, binding) if moment - first < timedelta(days=1) else (first, primary)
    return first, primary


def _why_finished(
    facts: CaseFacts, policy: PolicyLike, blocked: GuardDecision | None, basis: Basis
) -> tuple[str, Reason]:
    if blocked is not None:
        why = blocked_reason(blocked)
        return f"blocked by network rule {blocked.rule}: {blocked.reason}", why
    if not facts.retryable and not facts.reachable_channels:
        why = make(R.HARD_DECLINE_NO_RETRY, category=facts.category)
        return "hard decline and no way to reach the customer", why
    if facts.retries_done >= policy.max_attempts:
        why = make(R.RETRIES_EXHAUSTED, basis, retries=facts.retries_done)
        return f"all {facts.retries_done} retries used", why
    why = make(R.WINDOW_ENDED, expires_at=facts.expires_at)
    return "nothing more to try within the recovery window", why


def blocked_reason(decision: GuardDecision) -> Reason:
    """The reason for a retry the network rules refuse (at planning or at the claim)."""
    rule = decision.rule or "unknown"
    return make(
        R.BLOCKED_BY_NETWORK_RULE,
        network=rule.split(".", 1)[0],
        rule=rule,
        until=decision.earliest_at,
        detail=decision.reason,
    )
