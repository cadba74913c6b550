"""Reasons as sentences: every code in every language, with every param, from complete catalogs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from tinko.classifier.loader import get_tables
from tinko.reasons import LANGUAGES, PARAMS, ReasonCode, ReasonError, explain, make
from tinko.reasons import render as r

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
LOCALE = Path(r.__file__).parent / "locale"
SCRIPT = {"hi": (0x0900, 0x097F), "ta": (0x0B80, 0x0BFF)}  # Devanagari, Tamil

# One sample value per param name: every code is rendered with all of its params.
SAMPLES: dict[str, Any] = {
    "policy_id": "rpol_1",
    "policy_name": "Funds ladder",
    "policy_version": 3,
    "rule_id": None,
    "rule_name": None,
    "rule_version": None,
    "category": "insufficient_funds",
    "attempt_number": 2,
    "delay_minutes": 1440,
    "at": datetime(2026, 12, 5, 9, 30, tzinfo=UTC),
    "from": datetime(2026, 12, 5, 2, 0, tzinfo=UTC),
    "to": datetime(2026, 12, 5, 3, 30, tzinfo=UTC),
    "until": datetime(2026, 12, 9, 0, 0, tzinfo=UTC),
    "previous_at": datetime(2026, 12, 4, 9, 30, tzinfo=UTC),
    "expires_at": datetime(2026, 12, 26, 0, 0, tzinfo=UTC),
    "window": "business_hours",
    "timezone": "Asia/Kolkata",
    "network": "visa",
    "rule": "visa.cap_30d",
    "detail": "Visa allows at most 15 declined attempts.",
    "waiting_for": "att_1",
    "spacing_minutes": 60,
    "channel": "email",
    "retries": 2,
    "gap_hours": 24,
    "quiet_start": "21:00",
    "quiet_end": "08:00",
    "limit": 3,
    "window_hours": 24,
    "source": "psp_retry",
    "status": "exhausted",
    "percent": 10,
    "amount_minor": 49900,
    "currency": "INR",
    "slot": "d1h12",
    "successes": 14,
    "tries": 40,
    "calendar": "IN",
    "pattern": "monthly",
    "issuer": "HDFC Bank",
    "seen_at": datetime(2026, 12, 5, 1, 0, tzinfo=UTC),
    "retries_left": 3,
}


def _sample(code: ReasonCode) -> dict[str, Any]:
    return make(code, **{name: SAMPLES[name] for name in PARAMS[code]})


def _catalog(language: str) -> Catalog:
    with (LOCALE / language / "LC_MESSAGES" / "reasons.po").open("rb") as source:
        return read_po(source, locale=language)


def _in_script(text: str, language: str) -> bool:
    low, high = SCRIPT[language]
    return any(low <= ord(c) <= high for c in text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", list(ReasonCode))
def test_every_code_renders_in_every_language_with_every_param(
    code: ReasonCode, language: str
) -> None:
    text = explain(_sample(code), language, timezone="Asia/Kolkata")
    assert text
    assert "%(" not in text
    assert "None" not in text
    if language != "en":
        assert _in_script(text, language), text
        assert text != explain(_sample(code), "en", timezone="Asia/Kolkata")


def test_every_code_has_a_sentence() -> None:
    assert set(r.SENTENCES) == set(ReasonCode)


def test_a_sentence_uses_only_what_its_params_provide() -> None:
    derived = {"by", "number", "delay", "spacing", "gap", "amount"}
    for code, sentence in r.SENTENCES.items():
        names = set(PLACEHOLDER.findall(sentence)) - derived
        assert names <= set(PARAMS[code]) | {"window"}, code


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_catalog_holds_exactly_the_messages_in_the_code(language: str) -> None:
    assert {str(m.id) for m in _catalog(language) if m.id} == set(r.MESSAGES)


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_every_message_is_translated_and_keeps_its_placeholders(language: str) -> None:
    catalog = _catalog(language)
    assert [(m.id, errors) for m, errors in catalog.check()] == []
    for message in catalog:
        if message.id:
            assert message.string, message.id
            assert not message.fuzzy, message.id
            assert _in_script(str(message.string), language), message.id
            wanted = sorted(PLACEHOLDER.findall(str(message.id)))
            assert sorted(PLACEHOLDER.findall(str(message.string))) == wanted, message.id


def test_every_decline_category_has_words() -> None:
    assert set(r.CATEGORIES) == set(get_tables().categories)


def test_dates_are_shown_in_the_readers_time_zone() -> None:
    reason = make(ReasonCode.WINDOW_ENDED, expires_at=datetime(2026, 12, 5, 20, 0, tzinfo=UTC))
    text = explain(reason, "en", timezone="Asia/Kolkata")
    assert "6 Dec 2026, 1:30\u202fAM IST" in text  # CLDR puts a narrow space before AM


def test_money_is_formatted_for_the_language() -> None:
    reason = _sample(ReasonCode.RECOVERED)
    assert "₹499.00" in explain(reason, "hi")


def test_a_rule_is_named_with_its_version() -> None:
    params = {n: SAMPLES[n] for n in PARAMS[ReasonCode.PLANNED_BY_RULE]}
    params.update(rule_id="rul_9", rule_name="Big tickets", rule_version=4)
    reason = make(ReasonCode.PLANNED_BY_RULE, **params)
    assert "rule “Big tickets” (version 4)" in explain(reason, "en")


def test_a_network_block_that_never_ends_names_no_date() -> None:
    params = {n: SAMPLES[n] for n in PARAMS[ReasonCode.BLOCKED_BY_NETWORK_RULE]}
    reason = make(ReasonCode.BLOCKED_BY_NETWORK_RULE, **{**params, "until": None})
    assert explain(reason, "ta").count("%(") == 0
    assert "allows no more attempts" in explain(reason, "en")


def test_old_rows_without_a_reason_render_as_nothing() -> None:
    assert explain(None, "hi") == ""


def test_an_unknown_code_renders_the_generic_sentence() -> None:
    assert explain({"code": "from_the_future", "params": {}}, "en") == r.GENERIC


def test_an_unknown_language_reads_as_english() -> None:
    reason = _sample(ReasonCode.CANCELLED_BY_MERCHANT)
    assert explain(reason, "fr") == explain(reason, "en")


def test_a_reason_with_a_missing_param_is_refused() -> None:
    with pytest.raises(ReasonError):
        make(ReasonCode.SKIPPED_OPTED_OUT)


def test_a_reason_with_an_unknown_param_is_refused() -> None:
    with pytest.raises(ReasonError):
        make(ReasonCode.SKIPPED_OPTED_OUT, channel="sms", colour="red")


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ReasonError):
        make(ReasonCode.WINDOW_ENDED, expires_at=datetime(2026, 12, 5))  # noqa: DTZ001
