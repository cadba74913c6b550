"""Languages of the payer page: catalogs complete and well-formed, and the choice per request."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from tests.pages.conftest import PayerLink
from tinko.classifier.loader import get_tables
from tinko.kit.money import format_money
from tinko.pages.content import REASONS
from tinko.pages.i18n import LANGUAGES, choose_language, number_locale

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
PAGES = Path(__file__).parents[2] / "src" / "tinko" / "pages"
# The console shares the payer page's catalogs (docs/console.md).
CONSOLE = PAGES.parent / "console"


def _extracted() -> set[str]:
    with (PAGES / "babel.cfg").open() as config:
        method_map, options = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    return {
        str(message)
        for folder in (PAGES, CONSOLE)
        for _, _, message, _, _ in extract_from_dir(str(folder), method_map, options, keywords)
    }


def _catalog(language: str) -> Catalog:
    with (PAGES / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_holds_exactly_the_messages_in_the_code(language: str) -> None:
    in_catalog = {str(message.id) for message in _catalog(language) if message.id}
    assert in_catalog == _extracted()


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    untranslated = [
        message.id
        for message in _catalog(language)
        if message.id and (not message.string or message.fuzzy)
    ]
    assert untranslated == []


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_translations_keep_every_placeholder(language: str) -> None:
    catalog = _catalog(language)
    assert [(message.id, errors) for message, errors in catalog.check()] == []
    for message in catalog:
        if message.id:
            wanted = sorted(PLACEHOLDER.findall(str(message.id)))
            assert sorted(PLACEHOLDER.findall(str(message.string))) == wanted, message.id


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_translations_are_in_the_language_script(language: str) -> None:
    # Devanagari U+0900-097F for Hindi, Tamil U+0B80-0BFF: catches English left in place.
    low, high = {"hi": (0x0900, 0x097F), "ta": (0x0B80, 0x0BFF)}[language]
    for message in _catalog(language):
        if message.id and message.id not in {"UPI"}:
            assert any(low <= ord(c) <= high for c in str(message.string)), message.id


def test_every_category_has_a_plain_words_reason() -> None:
    assert set(REASONS) == set(get_tables().categories)


def test_explicit_choice_beats_the_browser_and_the_merchant() -> None:
    chosen = choose_language(asked="ta", remembered="hi", accept_language="en-IN", org_locale="hi")
    assert chosen == "ta"


def test_remembered_choice_beats_the_browser() -> None:
    chosen = choose_language(asked=None, remembered="hi", accept_language="en", org_locale="en")
    assert chosen == "hi"


def test_accept_language_is_negotiated_by_quality() -> None:
    header = "fr-FR;q=1, en;q=0.5, ta-IN;q=0.8"
    chosen = choose_language(asked=None, remembered=None, accept_language=header, org_locale="hi")
    assert chosen == "ta"


def test_merchant_locale_applies_when_the_browser_asks_for_nothing_we_have() -> None:
    chosen = choose_language(
        asked="xx", remembered=None, accept_language="de-DE,fr;q=0.8", org_locale="hi-IN"
    )
    assert chosen == "hi"


def test_english_is_the_last_resort() -> None:
    chosen = choose_language(asked=None, remembered=None, accept_language=None, org_locale="de")
    assert chosen == "en"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "₹1,23,456.00"), ("hi", "₹1,23,456.00"), ("ta", "₹1,23,456.00")],
)
def test_rupees_use_indian_grouping_in_every_language(language: str, expected: str) -> None:
    assert format_money(12345600, "INR", number_locale(language, "INR", "en")) == expected


def test_currency_without_minor_units_is_not_divided() -> None:
    assert format_money(1500, "JPY", number_locale("en", "JPY", "en")) == "¥1,500"


def test_switcher_link_sets_a_cookie_that_later_pages_follow(
    client: TestClient, payer_link: PayerLink
) -> None:
    chosen = client.get(payer_link.path, params={"lang": "hi"}, headers={"Accept-Language": "en"})
    assert chosen.headers["content-language"] == "hi"
    assert "tinko_lang=hi" in chosen.headers["set-cookie"]
    later = client.get(f"{payer_link.path}/cancel", headers={"Accept-Language": "en"})
    assert '<html lang="hi">' in later.text


def test_page_follows_accept_language(client: TestClient, payer_link: PayerLink) -> None:
    page = client.get(payer_link.path, headers={"Accept-Language": "ta-IN,ta;q=0.9,en;q=0.5"})
    assert '<html lang="ta">' in page.text
    assert "உங்கள் பணம் செலுத்துதல் நிறைவடையவில்லை" in page.text
