"""`tinko backtest --csv`: how the export's dates are read and which ones are kept.

Stripe's Dashboard export names the zone of its dates in the header (`Created date (UTC)`, or
the zone chosen when exporting); spreadsheets re-save dates as Excel serial day numbers
(https://support.microsoft.com/en-us/office/datevalue-function-df8b07d4-7761-4a93-bc33-b7471bbff252);
PSP APIs write Unix seconds, milliseconds or nanoseconds.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tinko.cli import app
from tinko.simulate.backtest import Export, read_export

runner = CliRunner()


def _export(tmp_path: Path, *dates: str, date_header: str = "Created date (UTC)") -> Path:
    path = tmp_path / "payments.csv"
    rows = "".join(
        f"ch_{n},{day},49.00,usd,Failed,insufficient_funds\n" for n, day in enumerate(dates)
    )
    path.write_text(f"id,{date_header},Amount,Currency,Status,Decline Reason\n{rows}")
    return path


def _read(tmp_path: Path, *dates: str, date_header: str = "Created date (UTC)") -> Export:
    return read_export(_export(tmp_path, *dates, date_header=date_header))


def _days(export: Export) -> list[str]:
    return [f.at.isoformat() for f in export.failures]


# --- more than a year -----------------------------------------------------------------------


def test_an_export_over_more_than_366_days_keeps_the_newest_366(tmp_path: Path) -> None:
    export = _read(tmp_path, "2024-12-01", "2025-03-02", "2026-03-01")
    assert _days(export) == ["2025-03-02", "2026-03-01"]


def test_the_older_rows_are_reported_as_skipped_with_their_line(tmp_path: Path) -> None:
    export = _read(tmp_path, "2024-12-01", "2026-03-01")
    [older] = export.bad_rows["older than the newest 366 days"]
    assert older.endswith(
        ":2: 2024-12-01 is before 2025-03-01, 366 days before the newest failure (2026-03-01)"
    )


def test_one_stray_old_row_does_not_stop_the_run(tmp_path: Path) -> None:
    path = _export(tmp_path, "2023-01-01", "2026-03-01", "2026-03-02")
    result = runner.invoke(app, ["backtest", "--csv", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert "skipped 1 bad rows (older than the newest 366 days)" in result.stderr
    assert "derived scenario" not in result.output


# --- missing dates and zoned headers --------------------------------------------------------


def test_an_empty_date_is_a_bad_row_not_a_default_day(tmp_path: Path) -> None:
    export = _read(tmp_path, "", "2026-03-01")
    assert (_days(export), len(export.bad_rows["no date"])) == (["2026-03-01"], 1)


def test_a_date_header_naming_a_zone_reads_naive_times_in_that_zone(tmp_path: Path) -> None:
    # 21:30 in New York on 1 March is 02:30 UTC on 2 March.
    export = _read(tmp_path, "2026-03-01 21:30:00", date_header="Created date (America/New_York)")
    assert _days(export) == ["2026-03-02"]


def test_a_date_header_naming_an_unknown_zone_is_refused(tmp_path: Path) -> None:
    path = _export(tmp_path, "2026-03-01", date_header="Created date (Mars/Olympus)")
    result = runner.invoke(app, ["backtest", "--csv", str(path)])
    assert result.exit_code == 2
    assert "not an IANA time zone" in result.output


# --- digit-only dates -----------------------------------------------------------------------


def test_an_excel_serial_day_is_read_as_an_excel_date(tmp_path: Path) -> None:
    assert _days(_read(tmp_path, "46059", "46059.72028")) == ["2026-02-06", "2026-02-06"]


def test_unix_seconds_are_read(tmp_path: Path) -> None:
    assert _days(_read(tmp_path, "1772085557")) == ["2026-02-26"]


def test_unix_milliseconds_are_read(tmp_path: Path) -> None:
    assert _days(_read(tmp_path, "1772085557000")) == ["2026-02-26"]


def test_unix_nanoseconds_are_read(tmp_path: Path) -> None:
    assert _days(_read(tmp_path, "1772085557000000000")) == ["2026-02-26"]


def test_a_number_too_large_for_a_date_is_a_bad_row(tmp_path: Path) -> None:
    export = _read(tmp_path, "99999999999999999999", "2026-03-01")
    assert (_days(export), len(export.bad_rows["date"])) == (["2026-03-01"], 1)


def test_a_date_outside_1990_to_2100_is_a_bad_row(tmp_path: Path) -> None:
    export = _read(tmp_path, "9999-12-31 23:59:59", "0001-01-01", "2026-03-01")
    assert (_days(export), len(export.bad_rows["date"])) == (["2026-03-01"], 2)
