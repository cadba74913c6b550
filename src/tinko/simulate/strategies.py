"""The strategies a simulation compares: Tinko's engine and the baselines.

* ``tinko``: the live engine's decisions (``decide``: policy, rules, guard, planner), with the
  built-in policies or a ``--policy`` file and the ``--rules`` file, validated by the API's code.
* ``fixed_ladder``: the issue's fixed ladder, read literally: "retries on days 2, 5, 7 and 7
  after the failure, messages only at the end". Each number is a day counted from the failure
  (at the failure's time of day), so day 7 has two retries, the second as soon as the first
  has declined. No network awareness; one payment link once the last retry has failed. Hard
  declines are not retried (any PSP refuses that) and get the link at once.
* ``messages_only``: no retries; a payment link at once and reminders 3 and 7 days later.
* ``stripe_default``, ``razorpay_default``, ``spaced_ladder``: the schedules merchants run,
  within the network rules (``baselines.py``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, Protocol

import yaml
from pydantic import ValidationError

from tinko.errors import AppError
from tinko.policies.defaults import PolicySpec, default_policy
from tinko.policies.models import RetryPolicy
from tinko.policies.schemas import PolicyIn
from tinko.policies.service import check_policy, merchant_spec
from tinko.recovery.decide import AttemptView, PaymentView, decide
from tinko.recovery.guard.types import PastAttempt
from tinko.recovery.planner import Plan, PlannedStep
from tinko.recovery.timing import CALENDAR, SlotStat, Timing, outcome_keys
from tinko.recovery.timing import scope as timing_scope
from tinko.rules import RuleSpec
from tinko.rules.api import RuleIn
from tinko.rules.service import check_rule
from tinko.simulate.baselines import merchant_baselines
from tinko.simulate.scenario import yaml_problem

STRATEGIES: Final = (
    "tinko",
    "stripe_default",
    "razorpay_default",
    "spaced_ladder",
    "fixed_ladder",
    "messages_only",
)
BASELINES: Final = STRATEGIES[1:]
# Days after the failure, as the issue writes them (not gaps: that reading, days 2, 7, 14 and
# 21, is a stronger ladder; docs/simulator.md compares the two).
LADDER_DAYS: Final = (2, 5, 7, 7)
REMINDER_DAYS: Final = (0, 3, 7)
_BASELINE_CHANNELS: Final = ("email", "sms")


class ConfigError(ValueError):
    """A --policy or --rules file is invalid; the message names the file and the field."""


class Strategy(Protocol):
    name: str
    guarded: bool  # runs the network-rule guard before each retry, as the live runner does

    def plan(
        self,
        payment: PaymentView,
        attempts: Sequence[AttemptView],
        history: Callable[[], list[PastAttempt]],
        now: datetime,
    ) -> Plan: ...

    def window_days(self, category: str, payment_method_type: str | None) -> int: ...


# --- tinko --------------------------------------------------------------------------------


@dataclass
class PolicySource:
    """``policy_for`` without a database: the org's one active policy (from a file) or None.

    ``window_days``: the scenario's recovery window, which the built-in policies take instead
    of their own 28 days (decision 0022): the world says how long the merchant waits for its
    money, and an engine that believed in a longer window would plan its last payday retry
    and its link after the money stops counting, a shorter one would stop early. A
    merchant's own policy keeps the window the merchant wrote."""

    timezone: str
    merchant: RetryPolicy | None = None
    _cache: dict[tuple[str, str | None], PolicySpec] | None = None
    learned: bool = False  # learned timing on every category, over the built-in timing
    window_days: int | None = None

    def spec(self, category: str, payment_method_type: str | None) -> PolicySpec:
        if self._cache is None:
            self._cache = {}
        key = (category, payment_method_type)
        if key not in self._cache:
            base = default_policy(category, payment_method_type, self.timezone)
            row = self.merchant
            covers = row is not None and (not row.categories or category in row.categories)
            spec = merchant_spec(row, base) if covers and row else base
            if not (covers and row) and self.window_days is not None:
                spec = replace(spec, window_days=self.window_days)
            self._cache[key] = replace(spec, learned_timing=True) if self.learned else spec
        return self._cache[key]


@dataclass
class TinkoStrategy:
    """The live engine. With learned timing the merchant's slot stats live here, updated by
    the driver after each retry (``learn``), and its random draws come from ``seed``; such a
    strategy sees every customer in one run (``couples_customers``), as one merchant would."""

    policies: PolicySource
    rules: Sequence[RuleSpec] = ()
    name: str = "tinko"
    guarded: bool = True
    # Holds a retry while another payment saw its issuer down (recovery.transient), as the
    # live claim does; the simulator shards by issuer so that stays exact.
    watches_issuers: bool = True
    seed: int = 0
    stats: dict[str, SlotStat] = field(default_factory=dict)
    _rng: random.Random | None = None

    @property
    def couples_customers(self) -> bool:
        return self.policies.learned or bool(
            self.policies.merchant and self.policies.merchant.learned_timing
        )

    def plan(
        self,
        payment: PaymentView,
        attempts: Sequence[AttemptView],
        history: Callable[[], list[PastAttempt]],
        now: datetime,
    ) -> Plan:
        policy = self.policies.spec(payment.category, payment.payment_method_type)
        timing = None
        if policy.learned_timing:
            if self._rng is None:
                self._rng = random.Random(self.seed)
            scope = timing_scope(
                payment.category, payment.payment_method_type, payment.card_network
            )
            prefixes = (f"{scope}/", f"{payment.category}/{CALENDAR}/")
            stats = {
                k.rsplit("/", 1)[-1]: v for k, v in self.stats.items() if k.startswith(prefixes)
            }
            timing = Timing(scope, stats, self._rng)
        return decide(payment, attempts, policy, self.rules, history, now, timing)[0]

    def learn(self, slot: str, succeeded: bool) -> None:
        for key in outcome_keys(slot):
            old = self.stats.get(key, SlotStat())
            self.stats[key] = SlotStat(
                old.successes + int(succeeded), old.failures + int(not succeeded)
            )

    def window_days(self, category: str, payment_method_type: str | None) -> int:
        return self.policies.spec(category, payment_method_type).window_days


def _channel(payment: PaymentView) -> str | None:
    return next((c for c in _BASELINE_CHANNELS if c in payment.reachable_channels), None)


def _counts(attempts: Sequence[AttemptView]) -> tuple[int, int, frozenset[str]]:
    retries = sum(
        1 for a in attempts if a.kind == "psp_retry" and a.outcome in ("declined", "failed")
    )
    messages = sum(1 for a in attempts if a.kind == "notification" and a.outcome is not None)
    # A bank debit on its way ("running" until the bank answers) is pending too.
    pending = frozenset(a.kind for a in attempts if a.status in ("scheduled", "running"))
    return retries, messages, pending


@dataclass
class FixedLadder:
    window: int
    name: str = "fixed_ladder"
    guarded: bool = False

    def plan(
        self,
        payment: PaymentView,
        attempts: Sequence[AttemptView],
        history: Callable[[], list[PastAttempt]],
        now: datetime,
    ) -> Plan:
        retries, messages, pending = _counts(attempts)
        if pending:
            return Plan(())
        channel = _channel(payment)
        retryable = bool(payment.classification.get("retryable")) and payment.payment_method_ref
        if retryable and retries < len(LADDER_DAYS):
            at = payment.failed_at + timedelta(days=LADDER_DAYS[retries])
            return Plan((PlannedStep("psp_retry", max(at, now), None, self.name, "ladder"),))
        if messages == 0 and channel is not None:
            return Plan((PlannedStep("notification", now, channel, self.name, "link at the end"),))
        return Plan((), stop_reason="ladder finished")

    def window_days(self, category: str, payment_method_type: str | None) -> int:
        return self.window


@dataclass
class MessagesOnly:
    window: int
    name: str = "messages_only"
    guarded: bool = False

    def plan(
        self,
        payment: PaymentView,
        attempts: Sequence[AttemptView],
        history: Callable[[], list[PastAttempt]],
        now: datetime,
    ) -> Plan:
        _, messages, pending = _counts(attempts)
        channel = _channel(payment)
        if pending:
            return Plan(())
        if messages < len(REMINDER_DAYS) and channel is not None:
            at = max(now, payment.failed_at + timedelta(days=REMINDER_DAYS[messages]))
            return Plan((PlannedStep("notification", at, channel, self.name, "reminder"),))
        return Plan((), stop_reason="reminders sent")

    def window_days(self, category: str, payment_method_type: str | None) -> int:
        return self.window


# --- reading --policy and --rules files ---------------------------------------------------


def _read(path: Path) -> Any:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if path.suffix == ".json":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from None
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: {yaml_problem(exc)}") from None


def _where(loc: Sequence[int | str]) -> str:
    """A pydantic location as the scenario errors write paths: ``actions[0].type``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _join(prefix: str, where: str) -> str:
    joined = f"{prefix}{where}".rstrip(".")
    return joined or "(document)"


def _pydantic_error(path: Path, exc: ValidationError, prefix: str = "") -> ConfigError:
    errors = exc.errors()
    # An unknown key (a typo) explains the "missing" errors that come with it: name it first.
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    where = _where(first["loc"])
    message = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
    return ConfigError(f"{path}: {_join(prefix, where)}: {message}")


def _app_error(path: Path, exc: AppError, prefix: str = "") -> ConfigError:
    errors = getattr(exc, "errors", None) or []
    if errors:
        first = errors[0]
        where = _where(first["loc"][1:])
        return ConfigError(f"{path}: {_join(prefix, where)}: {first['msg']}")
    return ConfigError(f"{path}: {prefix}{exc.detail}")


def load_policy(path: Path) -> RetryPolicy:
    """A /v1/retry-policies body, validated as the API validates it, as an (unsaved) row."""
    data = _read(path)
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: must be one retry policy object (the API's shape)")
    try:
        values = check_policy(PolicyIn.model_validate(data).model_dump())
    except ValidationError as exc:
        raise _pydantic_error(path, exc) from None
    except AppError as exc:
        raise _app_error(path, exc) from None
    values["active"] = True
    return RetryPolicy(id="rpol_simulated", org_id="org_simulated", **values)


def load_rules(path: Path) -> list[RuleSpec]:
    """A list of /v1/rules bodies, each validated as the API validates it."""
    data = _read(path)
    if isinstance(data, Mapping) and "rules" in data:
        data = data["rules"]
    if not isinstance(data, list):
        raise ConfigError(f"{path}: must be a list of rules in the /v1/rules shape")
    specs = []
    for i, raw in enumerate(data):
        try:
            body = RuleIn.model_validate(raw)
            conditions, actions = check_rule(body.conditions, body.actions)
        except ValidationError as exc:
            raise _pydantic_error(path, exc, f"[{i}].") from None
        except AppError as exc:
            raise _app_error(path, exc, f"[{i}].") from None
        specs.append(
            RuleSpec(
                id=f"rule_{i + 1}",
                version=1,
                name=body.name,
                priority=body.priority,
                enabled=body.enabled,
                conditions=conditions,
                actions=actions,
            )
        )
    return specs


def make_strategies(
    timezone: str,
    window_days: int,
    policy: RetryPolicy | None = None,
    rules: Sequence[RuleSpec] = (),
    seed: int = 0,
    learned: bool = False,
) -> list[Strategy]:
    """Every strategy; ``learned`` adds ``tinko_learned``: the built-in policies with learned
    timing turned on, to show what learning adds over the same engine."""
    extra: list[Strategy] = []
    if learned:
        source = PolicySource(timezone, policy, learned=True, window_days=window_days)
        extra.append(TinkoStrategy(source, rules, name="tinko_learned", seed=seed))
    return [
        TinkoStrategy(PolicySource(timezone, policy, window_days=window_days), rules, seed=seed),
        *extra,
        *merchant_baselines(window_days),
        FixedLadder(window_days),
        MessagesOnly(window_days),
    ]
