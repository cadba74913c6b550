"""What an edited retry policy would do, before it is saved: the next attempts for a few sample
failures (the engine's own ``decide``, not a copy) and a backtest against the active policy on
the organisation's stored failures (the simulator of `tinko backtest --org`), plus the signed
proof that a backtest of one exact version was shown, which activation requires."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session

from tinko.classifier import DeclineSignal, classify
from tinko.policies.defaults import default_policy
from tinko.policies.models import RetryPolicy
from tinko.policies.service import merchant_spec
from tinko.recovery.decide import AttemptView, PaymentView, decide
from tinko.simulate.backtest import BacktestError, read_org
from tinko.simulate.calibrate import calibrated_scenarios
from tinko.simulate.driver import Driver
from tinko.simulate.outcomes import oracle_time
from tinko.simulate.report import strategy_figures
from tinko.simulate.run import Simulation
from tinko.simulate.scenario import Scenario, load_scenario, shipped_scenarios
from tinko.simulate.strategies import PolicySource, TinkoStrategy
from tinko.simulate.world import build_world

# Sample failures for the preview: (gateway code, payment method, card network).
SAMPLES: Final = (
    ("insufficient_funds", "card", "visa"),
    ("do_not_honor", "card", "mastercard"),
    ("processing_error", "card", "visa"),
    ("expired_card", "card", "visa"),
)
MAX_STEPS: Final = 6
# A backtest stays small so the page answers in a second or two: the newest failures only.
MAX_FAILURES: Final = 300
SEED: Final = 1
SCENARIOS: Final = tuple(shipped_scenarios())


@dataclass(frozen=True)
class Step:
    kind: str  # psp_retry | notification
    at: datetime
    channel: str | None


@dataclass(frozen=True)
class Sample:
    code: str
    category: str
    steps: tuple[Step, ...]
    stop: str | None


def preview(policy: RetryPolicy, timezone: str, now: datetime) -> list[Sample]:
    """For each sample failure at ``now``: the attempts the engine plans if every retry fails
    and every message is sent, in order, until it stops or ``MAX_STEPS``."""
    return [_sample(policy, timezone, now, *sample) for sample in SAMPLES]


def _sample(
    policy: RetryPolicy, timezone: str, now: datetime, code: str, method: str, network: str
) -> Sample:
    signal = DeclineSignal(
        gateway="stripe", decline_code=code, payment_method_type=method, card_network=network
    )
    c = classify(signal).to_dict()
    category = str(c["category"])
    base = default_policy(category, method, timezone)
    covers = not policy.categories or category in policy.categories
    spec = merchant_spec(policy, base) if covers else base
    payment = PaymentView(
        category=category,
        decline_type=str(c["decline_type"]),
        classification=c,
        amount_minor=49_900,
        currency="USD",
        gateway="stripe",
        payment_method_type=method,
        payment_method_ref="pm_preview",
        card_network=network,
        country=None,
        customer_ref="cus_preview",
        customer_email="customer@example.com",
        customer_locale=None,
        metadata={},
        failed_at=now,
        expires_at=now + timedelta(days=spec.window_days),
        reachable_channels=tuple(spec.channels),
    )
    attempts: list[AttemptView] = []
    steps: list[Step] = []
    clock, stop = now, None
    while len(steps) < MAX_STEPS:
        plan, _ = decide(payment, attempts, spec, (), list, clock)
        if not plan.steps:
            stop = plan.stop_reason
            break
        step = min(plan.steps, key=lambda s: s.at)
        steps.append(Step(step.kind, step.at, step.channel))
        outcome = "declined" if step.kind == "psp_retry" else "succeeded"
        attempts.append(AttemptView(step.kind, "done", outcome, step.at, category))
        clock = step.at
    return Sample(code, category, tuple(steps), stop)


# --- backtest -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backtest:
    source: str  # "history" or a shipped scenario's name
    failures: int
    currency: str
    edited: dict[str, Any]  # strategy_figures of the edited policy
    active: dict[str, Any]  # … of the policy active today (or the built-in defaults)


def history_scenario(session: Session, org_id: str, timezone: str) -> Scenario | None:
    """The org's own failures (newest ``MAX_FAILURES``) as a scenario; None without any."""
    export = read_org(session, org_id)
    if not export.failures:
        return None
    try:
        # The org's most frequent currency: a world has one currency.
        return calibrated_scenarios(
            f"history-{org_id}",
            export.failures[-MAX_FAILURES:],
            export.gateway or "stripe",
            merchant_tz=timezone,
        )[0]
    except BacktestError:
        return None


def shipped_scenario(name: str) -> Scenario:
    from importlib import resources
    from pathlib import Path

    folder = resources.files("tinko.simulate") / "scenarios"
    scenario = load_scenario(Path(str(folder / f"{name}.yaml")))
    count = min(scenario.failures, MAX_FAILURES)
    return scenario.with_failures(count, min(scenario.customers, count))


def backtest(
    scenario: Scenario, source: str, edited: RetryPolicy, active: RetryPolicy | None
) -> Backtest:
    """Both policies on one simulated world (same failures, same customers, same seed)."""
    world = build_world(scenario, SEED)
    oracle = {
        f.index: moment for f in world.failures if (moment := oracle_time(world, f)) is not None
    }
    results = {}
    for name, policy in (("edited", edited), ("active", active)):
        strategy = TinkoStrategy(PolicySource(scenario.merchant_timezone, policy), seed=SEED)
        results[name] = Driver(world, strategy, _ignore).run(world.failures)
    sim = Simulation(scenario, SEED, world, oracle, results)
    return Backtest(
        source,
        len(world.failures),
        scenario.currency,
        strategy_figures(sim, results["edited"]),
        strategy_figures(sim, results["active"]),
    )


def _ignore(at: float) -> None:
    return None


# --- the proof that a backtest was shown ----------------------------------------------------


def digest(values: Mapping[str, Any]) -> str:
    """A policy version's fingerprint: its normalised fields, activation left out."""
    body = {k: v for k, v in values.items() if k != "active"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def backtest_token(secret: str, org_id: str, policy_id: str, values: Mapping[str, Any]) -> str:
    message = f"backtest|{org_id}|{policy_id}|{digest(values)}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def token_matches(
    secret: str, org_id: str, policy_id: str, values: Mapping[str, Any], token: str
) -> bool:
    expected = backtest_token(secret, org_id, policy_id, values)
    return hmac.compare_digest(expected, token)


def transient_policy(org_id: str, values: Mapping[str, Any], now: datetime) -> RetryPolicy:
    """The edited (not yet saved) version as an unsaved row the engine and simulator read."""
    return RetryPolicy(
        id="rpol_edited", org_id=org_id, version=0, created_at=now, updated_at=now, **values
    )


def steps_of(samples: Sequence[Sample]) -> int:
    return sum(len(s.steps) for s in samples)
