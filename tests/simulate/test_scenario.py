from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from tests.simulate.conftest import SMALL
from tinko.simulate.scenario import ScenarioError, load_scenario, parse_scenario


def error_of(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text)
    return caught.value


def test_an_unknown_key_is_named_with_its_path() -> None:
    bad = SMALL.replace("behaviour: funds}", "behaviour: funds, colour: red}")
    assert error_of(bad).where == "failure_mix[0].colour"


def test_a_missing_required_key_is_named() -> None:
    bad = SMALL.replace("failures: 150\n", "")
    assert error_of(bad).where == "failures"


def test_a_bad_value_says_what_is_allowed() -> None:
    error = error_of(SMALL.replace("behaviour: funds}", "behaviour: broke}"))
    assert error.where == "failure_mix[0].behaviour"
    assert "temporary_block" in error.problem


def test_a_negative_share_is_refused() -> None:
    assert error_of(SMALL.replace("share: 0.4, behaviour", "share: -1, behaviour")).where == (
        "failure_mix[0].share"
    )


def test_a_code_no_payment_method_can_produce_is_refused() -> None:
    bad = SMALL.replace("{type: upi_autopay, share: 0.3}", "{type: upi_autopay, share: 0}")
    bad = bad.replace("{type: emandate, share: 0.1}", "{type: emandate, share: 0}")
    assert error_of(bad).where == "failure_mix[5].methods"


def test_a_repeated_key_is_refused() -> None:
    assert error_of(SMALL.replace("days: 20\n", "days: 20\ndays: 30\n")).where == "days"


def test_an_unknown_time_zone_is_refused() -> None:
    bad = SMALL.replace("timezone: Asia/Kolkata", "timezone: Mars/Olympus")
    assert error_of(bad).where == "countries[1].timezone"


@pytest.mark.parametrize("name", ["india_d2c", "us_saas", "marketplace"])
def test_shipped_scenarios_load(name: str) -> None:
    source = resources.files("tinko.simulate") / "scenarios" / f"{name}.yaml"
    assert load_scenario(Path(str(source))).name == name
