"""A world whose declines carry another PSP's codes: the engine cannot read them, as live, and
treats them as a hold whose end it does not know (decision 0031)."""

from __future__ import annotations

from tests.simulate.conftest import SMALL
from tinko.simulate.driver import Driver
from tinko.simulate.scenario import parse_scenario
from tinko.simulate.strategies import PolicySource, TinkoStrategy
from tinko.simulate.world import build_world

# Every failure is a hold in an acquirer's own words, clearing within days.
FOREIGN = SMALL[: SMALL.index("failure_mix:")] + (
    "failure_mix:\n"
    '  - {code: "DECLINED_BY_ISSUER", share: 1, behaviour: temporary_block,'
    " clears_after_hours: {min: 200, max: 400}}\n"
)


def test_a_code_the_engine_cannot_read_is_retried_beyond_the_first_week() -> None:
    scenario = parse_scenario(
        FOREIGN.replace("upi_autopay", "visa_card").replace("emandate", "mastercard_card")
    )
    world = build_world(scenario, 3)
    driver = Driver(world, TinkoStrategy(PolicySource(scenario.merchant_timezone)))
    result = driver.run(world.failures)
    categories = {str(case.classification["category"]) for case in driver.cases}
    assert categories == {"unknown"}
    # Holds clear after 8 to 17 days: two retries in the first week (the former default)
    # collected none of them.
    assert any(via == "retry" for _, via in result.recovered.values())
