from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from tests.simulate.conftest import SMALL
from tinko.simulate.scenario import (
    ScenarioError,
    load_scenario,
    parse_scenario,
    shipped_scenarios,
)


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


# --- regressions found by writing scenarios from docs/simulator.md alone -------------------


def test_an_impossible_date_names_the_key() -> None:
    error = error_of(SMALL.replace("days: 20\n", "days: 20\nstart: 2026-02-30\n"))
    assert (error.where, "2026-02-30" in error.problem) == ("start", True)


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"name: \xff\xfe")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(path)


def test_a_yaml_syntax_error_is_one_line_with_its_place() -> None:
    error = error_of("name: x\n  bad: [indent\n")
    assert "\n" not in str(error)
    assert "line 2" in str(error)


def test_an_unknown_currency_is_refused() -> None:
    assert error_of(SMALL.replace("currency: USD", "currency: XYZ")).where == "currency"


def test_a_misspelt_decline_code_is_refused_with_a_suggestion() -> None:
    error = error_of(SMALL.replace("code: insufficient_funds", "code: insufficent_funds"))
    assert error.where == "failure_mix[0].code"
    assert "'insufficient_funds'" in error.problem


def test_another_psps_code_is_kept_with_the_worlds_behaviour() -> None:
    # Nothing known resembles it: not a typo but a code the engine cannot read, as live.
    text = SMALL.replace("code: do_not_honor", 'code: "Not enough balance"')
    [kept] = [k for k in parse_scenario(text).failure_mix if k.code == "Not enough balance"]
    assert kept.behaviour == "temporary_block"


def test_an_unquoted_numeric_code_is_refused() -> None:
    # YAML reads 05 as the number 5: the ISO code "05" would silently become "5".
    error = error_of(SMALL.replace("code: do_not_honor", "code: 05"))
    assert error.where == "failure_mix[1].code"


def test_an_unknown_issuer_down_code_is_refused() -> None:
    bad = SMALL + "issuer_down_code: bank_on_fire\n"
    assert error_of(bad).where == "issuer_down_code"


def test_an_unknown_advice_code_is_refused() -> None:
    bad = SMALL.replace(
        "behaviour: temporary_block}",
        'behaviour: temporary_block, methods: [mastercard_card], advice_code: "99"}',
    )
    assert error_of(bad).where == "failure_mix[1].advice_code"


def test_an_advice_code_needs_mastercard_only() -> None:
    bad = SMALL.replace(
        "behaviour: temporary_block}", 'behaviour: temporary_block, advice_code: "03"}'
    )
    assert error_of(bad).where == "failure_mix[1].methods"


def test_clearing_keys_on_a_behaviour_that_never_clears_are_refused() -> None:
    bad = SMALL.replace("behaviour: funds}", "behaviour: funds, never_clears_share: 0.5}")
    assert error_of(bad).where == "failure_mix[0].never_clears_share"


def test_a_weekday_may_be_written_in_full_but_not_loosely() -> None:
    assert parse_scenario(SMALL.replace("weekday: fri", "weekday: Friday")).income[1].weekday == 4
    assert error_of(SMALL.replace("weekday: fri", "weekday: frisbee")).where == "income[1].weekday"


def test_a_decimal_amount_says_amounts_are_minor_units() -> None:
    error = error_of(
        SMALL.replace(
            "amount: {choices: [{value: 2900, share: 2}, {value: 9900, share: 1}]}", "amount: 29.99"
        )
    )
    assert (error.where, "minor units" in error.problem) == ("amount", True)


def test_a_shipped_scenario_loads_by_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no file of that name here: the shipped one is meant
    assert {"india_d2c", "us_saas", "marketplace"} <= set(shipped_scenarios())
    assert load_scenario(Path("us_saas")).currency == "USD"
