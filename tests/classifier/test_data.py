"""The packaged data tables: they load, cite sources, use API categories, and the loader
rejects malformed files with errors naming the file and the key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tinko.classifier import CATEGORIES, ClassifierDataError, load_data_file, load_tables
from tinko.classifier.loader import data_dir, get_tables
from tinko.classifier.tables import CodeTable

DATA = Path(str(data_dir()))
YAML_FILES = sorted(DATA.glob("*.yaml"))


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.name)
def test_every_data_file_loads_and_starts_with_a_source_header(path: Path) -> None:
    load_data_file(path)
    head = path.read_text(encoding="utf-8").splitlines()[:25]
    assert head[0].startswith("#")
    assert any("https://" in line for line in head if line.startswith("#"))
    # the day the facts were taken (tables added later carry their own day)
    assert any(re.search(r"\b20\d\d-\d\d-\d\d\b", line) for line in head)


def test_the_expected_tables_ship_inside_the_package() -> None:
    names = {p.name for p in YAML_FILES}
    assert {
        "categories.yaml",
        "stripe_decline_codes.yaml",
        "stripe_error_codes.yaml",
        "razorpay_errors.yaml",
        "iso8583.yaml",
        "visa_categories.yaml",
        "mastercard_mac.yaml",
        "npci_upi.yaml",
        "message_patterns.yaml",
    } <= names
    assert str(DATA).endswith("src/tinko/classifier/data") or "site-packages" in str(DATA)


def test_categories_file_defines_exactly_the_api_categories() -> None:
    assert set(get_tables().categories) == set(CATEGORIES)


def test_every_row_uses_an_api_category() -> None:
    tables = get_tables()
    rows = [row for t in tables.code_tables.values() for row in t.rows.values()]
    rows += [
        r
        for t in tables.code_tables.values()
        for o in t.network_overrides.values()
        for r in o.values()
    ]
    rows += [p.row for p in tables.messages]
    rows += [m for r in list(rows) for m in r.by_method.values()]
    assert len(rows) > 400
    for row in rows:
        assert row.category in CATEGORIES, row.source
        assert 0 <= row.confidence <= 1, row.source
        assert row.cooldown_seconds >= 0, row.source


def _table(name: str) -> CodeTable:
    return get_tables().code_tables[name]


def test_tables_cover_the_documented_code_lists() -> None:
    assert {f"{n:02d}" for n in range(24, 31)} | {"01", "02", "03", "04", "21"} <= set(
        _table("mastercard_mac").rows
    )
    iso = set(_table("iso8583").rows)
    assert {f"{n:02d}" for n in range(0, 45)} <= iso
    assert {
        "51",
        "54",
        "57",
        "59",
        "61",
        "62",
        "65",
        "91",
        "96",
        "n7",
        "1a",
        "r0",
        "r1",
        "r3",
    } <= iso
    assert {"za", "u69", "z9", "zm", "ye", "ze", "u30", "u16"} <= set(_table("npci_upi").rows)
    assert len(_table("stripe_decline_code").rows) >= 45
    assert len(_table("razorpay_error").rows) >= 100


# -- loader rejects malformed files -----------------------------------------------------------

HEADER = """\
# test table
meta:
  kind: codes
  name: test_table
  role: network
  confidence: 0.8
  sources: [https://example.com/codes]
  retrieved: 2026-11-22
"""


def _write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_loader_accepts_a_minimal_valid_table(tmp_path: Path) -> None:
    table = load_data_file(_write(tmp_path, 'codes:\n  "51": {category: insufficient_funds}\n'))
    assert isinstance(table, CodeTable)
    assert table.rows["51"].decline_type == "soft"  # default from categories.yaml


def test_loader_rejects_duplicate_keys(tmp_path: Path) -> None:
    body = 'codes:\n  "51": {category: insufficient_funds}\n  "51": {category: do_not_honor}\n'
    with pytest.raises(ClassifierDataError) as err:
        load_data_file(_write(tmp_path, body))
    assert err.value.file == "bad.yaml"
    assert err.value.key == "51"
    assert "duplicate key" in str(err.value)


def test_loader_rejects_keys_equal_after_normalisation(tmp_path: Path) -> None:
    body = "codes:\n  N7: {category: invalid_card_data}\n  n7: {category: invalid_card_data}\n"
    with pytest.raises(ClassifierDataError, match="duplicate key"):
        load_data_file(_write(tmp_path, body))


def test_loader_rejects_unknown_category(tmp_path: Path) -> None:
    with pytest.raises(ClassifierDataError) as err:
        load_data_file(_write(tmp_path, 'codes:\n  "51": {category: broke}\n'))
    assert err.value.key == "codes.51.category"
    assert "unknown category 'broke'" in str(err.value)
    assert str(err.value).startswith("bad.yaml: ")


def test_loader_rejects_missing_required_field(tmp_path: Path) -> None:
    with pytest.raises(ClassifierDataError) as err:
        load_data_file(_write(tmp_path, 'codes:\n  "51": {reason: "No category."}\n'))
    assert err.value.key == "codes.51.category"
    assert "missing required field" in str(err.value)


def test_loader_rejects_missing_sources(tmp_path: Path) -> None:
    header = HEADER.replace("  sources: [https://example.com/codes]\n", "")
    with pytest.raises(ClassifierDataError) as err:
        load_data_file(_write(tmp_path, "codes: {}\n", header))
    assert err.value.key == "meta.sources"


@pytest.mark.parametrize(
    ("row", "key"),
    [
        ("{category: do_not_honor, confidence: 1.5}", "codes.51.confidence"),
        ("{category: do_not_honor, decline_type: medium}", "codes.51.decline_type"),
        ("{category: do_not_honor, cooldown_seconds: -1}", "codes.51.cooldown_seconds"),
        ("{category: do_not_honor, recommended_action: pray}", "codes.51.recommended_action"),
        ("{category: do_not_honor, colour: red}", "codes.51.colour"),
    ],
)
def test_loader_rejects_bad_values(tmp_path: Path, row: str, key: str) -> None:
    with pytest.raises(ClassifierDataError) as err:
        load_data_file(_write(tmp_path, f'codes:\n  "51": {row}\n'))
    assert err.value.key == key


def test_loader_rejects_a_cooldown_on_a_hard_decline(tmp_path: Path) -> None:
    row = "{category: lost_stolen_fraud, cooldown_seconds: 3600}"
    with pytest.raises(ClassifierDataError, match="hard decline has no cooldown"):
        load_data_file(_write(tmp_path, f'codes:\n  "41": {row}\n'))


def test_loader_rejects_unquoted_numeric_codes(tmp_path: Path) -> None:
    # YAML reads 51 as a number (and 05 as octal); codes must be quoted strings.
    with pytest.raises(ClassifierDataError, match="quoted strings"):
        load_data_file(_write(tmp_path, "codes:\n  51: {category: insufficient_funds}\n"))


def test_loader_rejects_visa_dates_out_of_order(tmp_path: Path) -> None:
    header = HEADER.replace("kind: codes", "kind: visa_categories").replace(
        "  confidence: 0.8\n", "  rules_from: 2020-07-17\n"
    )
    body = (
        'codes:\n  "03":\n'
        "    - {category: 2, effective_from: 2021-04-17}\n"
        "    - {category: 1, effective_from: 2020-07-17}\n"
    )
    with pytest.raises(ClassifierDataError) as err:
        load_data_file(_write(tmp_path, body, header))
    assert err.value.key == "codes.03[1].effective_from"


def test_loader_rejects_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(ClassifierDataError, match="not valid YAML"):
        load_data_file(_write(tmp_path, "codes: [unclosed\n"))


def test_load_tables_reads_a_copied_data_directory(tmp_path: Path) -> None:
    for path in YAML_FILES:
        shutil.copy(path, tmp_path / path.name)
    tables = load_tables(tmp_path)
    assert set(tables.code_tables) == set(get_tables().code_tables)


def test_load_tables_reports_the_broken_file(tmp_path: Path) -> None:
    for path in YAML_FILES:
        shutil.copy(path, tmp_path / path.name)
    broken = tmp_path / "npci_upi.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace(
            "category: insufficient_funds", "category: nope"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ClassifierDataError) as err:
        load_tables(tmp_path)
    assert err.value.file == "npci_upi.yaml"
    assert err.value.key == "codes.Z9.category"
