"""What a preset would recover, for the wizard's preview: the simulator (`tinko simulate`,
`tinko backtest --org`) on the organisation's own failures when it has enough, else on the
shipped scenario nearest its market. Kept small (PREVIEW_FAILURES) so the page answers in
about a second."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sqlalchemy.orm import Session

from tinko.onboarding.presets import BY_KEY
from tinko.policies.models import RetryPolicy
from tinko.policies.service import check_policy
from tinko.simulate.backtest import BacktestError, read_org
from tinko.simulate.calibrate import calibrated_scenarios
from tinko.simulate.report import to_json
from tinko.simulate.run import simulate
from tinko.simulate.scenario import Scenario, load_scenario

PREVIEW_FAILURES: Final = 200
OWN_MINIMUM: Final = 20  # fewer own failures than this say too little: use a scenario
# The shipped scenario nearest a market, by the organisation's currency (simulate/scenarios).
_SCENARIO_BY_CURRENCY: Final = {"INR": "india_d2c", "USD": "us_saas", "CAD": "us_saas"}
_FALLBACK: Final = "marketplace"


@dataclass(frozen=True)
class Preview:
    source: str  # own | scenario
    scenario: str
    currency: str
    failures: int
    failed: int  # minor units
    recovered: int
    share: float
    baseline: str  # the PSP's own default retries, for comparison
    baseline_recovered: int
    baseline_share: float
    seconds: float


def scenario_for(
    session: Session, org_id: str, currency: str, timezone: str
) -> tuple[Scenario, str]:
    """The world to simulate and where it came from (`own` or `scenario`)."""
    export = read_org(session, org_id)
    if len(export.failures) >= OWN_MINIMUM:
        try:
            own = export.failures[-PREVIEW_FAILURES:]
            gateway = export.gateway or "stripe"
            # The org's most frequent currency: a world has one currency.
            world = calibrated_scenarios(f"own-{org_id}", own, gateway, merchant_tz=timezone)[0]
            return world, "own"
        except BacktestError:
            pass  # nothing usable: fall back to the market's scenario
    name = _SCENARIO_BY_CURRENCY.get(currency, _FALLBACK)
    return load_scenario(Path(name)).with_failures(PREVIEW_FAILURES), "scenario"


def preset_policy(preset: str, timezone: str) -> RetryPolicy | None:
    """The preset as an unsaved policy row, checked as the API checks it (None: built-ins)."""
    fields = BY_KEY[preset].policy_fields(timezone)
    if fields is None:
        return None
    return RetryPolicy(id="rpol_preview", org_id="org_preview", **check_policy(fields))


def run_preview(
    session: Session, org_id: str, preset: str, currency: str, timezone: str
) -> Preview:
    scenario, source = scenario_for(session, org_id, currency, timezone)
    sim = simulate(scenario, 1, policy=preset_policy(preset, timezone), workers=1)
    figures: dict[str, Any] = to_json(sim)["strategies"]
    tinko = figures["tinko"]
    baseline = "razorpay_default" if scenario.gateway == "razorpay" else "stripe_default"
    other = figures[baseline]
    return Preview(
        source=source,
        scenario=scenario.name,
        currency=scenario.currency,
        failures=len(sim.world.failures),
        failed=tinko["failed_revenue"],
        recovered=tinko["recovered_revenue"],
        share=tinko["recovered_share"],
        baseline=baseline,
        baseline_recovered=other["recovered_revenue"],
        baseline_share=other["recovered_share"],
        seconds=round(sim.elapsed_seconds, 2),
    )
