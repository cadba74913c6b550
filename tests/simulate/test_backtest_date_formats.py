"""`tinko backtest --csv --date-format`: the format it asks for reads the file's dates as
written, a format that is none is refused by name, and a file whose dates it cannot read is
told which format to give. Formats are strptime's
(https://docs.python.org/3/library/datetime.html#format-codes).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tinko.simulate.backtest import BacktestError, Export, read_export

HEAD = "id,Created date (UTC),Amount,Currency,Status,Decline Reason\n"


def _path(tmp_path: Path, *dates: str) -> Path:
    path = tmp_path / "payments.csv"
    rows = "".join(f"ch_{n},{day},49.00,usd,Failed,do_not_honor\n" for n, day in enumerate(dates))
    path.write_text(HEAD + rows, encoding="utf-8")
    return path


def _days(export: Export) -> list[str]:
    return [f.at.isoformat() for f in export.failures]


# --- ambiguous slashed dates: the format asked for matches the values -----------------------


@pytest.mark.parametrize(
    ("dates", "day_first"),
    [
        (("03/04/2026", "05/04/2026"), "%d/%m/%Y"),
        (("03/04/2026 09:15", "05/04/2026 17:40"), "%d/%m/%Y %H:%M"),
        (("03/04/2026 09:15:30", "05/04/2026 17:40:02"), "%d/%m/%Y %H:%M:%S"),
        (("03/04/2026 9:15 AM", "05/04/2026 5:40 PM"), "%d/%m/%Y %I:%M %p"),
    ],
)
def test_the_format_asked_for_ambiguous_dates_reads_them(
    tmp_path: Path, dates: tuple[str, ...], day_first: str
) -> None:
    path = _path(tmp_path, *dates)
    with pytest.raises(BacktestError, match="could be day-first or month-first") as raised:
        read_export(path)
    asked = re.findall(r"'(%[^']*)'", str(raised.value))
    assert asked == [day_first, day_first.replace("%d/%m", "%m/%d")]
    assert _days(read_export(path, asked[0])) == ["2026-04-03", "2026-04-05"]


# --- a --date-format that is no date format -------------------------------------------------


def test_an_unknown_format_code_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(BacktestError, match="--date-format '%Q': %Q is not a strptime format"):
        read_export(_path(tmp_path, "2026-03-01"), "%Q")


def test_a_format_without_day_month_and_year_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BacktestError, match="does not say where the day, month and year are"):
        read_export(_path(tmp_path, "2026-03-01"), "%H:%M")


def test_a_row_the_given_format_does_not_match_says_so(tmp_path: Path) -> None:
    export = read_export(_path(tmp_path, "2026-03-01", "01/03/2026"), "%d/%m/%Y")
    [bad] = export.bad_rows["date"]
    assert bad.endswith(":2: '2026-03-01' does not match --date-format '%d/%m/%Y'")


# --- mostly unreadable dates: the report says which format to give --------------------------


def test_mostly_unreadable_dates_suggest_a_format_from_the_first_of_them(tmp_path: Path) -> None:
    path = _path(tmp_path, "2026-03-02", "01.03.2026 14:05", "15.03.2026 09:00")
    first = read_export(path).bad_rows["date"][0]
    assert first.endswith(
        ":3: '01.03.2026 14:05' is not readable; most dates are unreadable: give "
        "--date-format, e.g. '%d.%m.%Y %H:%M' for '01.03.2026 14:05'"
    )


def test_the_suggested_format_reads_the_unreadable_dates(tmp_path: Path) -> None:
    path = _path(tmp_path, "01.03.2026 14:05", "15.03.2026 09:00")
    suggested = re.findall(r"e\.g\. '([^']*)'", read_export(path).bad_rows["date"][0])
    assert _days(read_export(path, suggested[0])) == ["2026-03-01", "2026-03-15"]


def test_a_few_unreadable_dates_among_readable_ones_suggest_nothing(tmp_path: Path) -> None:
    path = _path(tmp_path, "2026-03-01", "2026-03-02", "01.03.2026")
    [bad] = read_export(path).bad_rows["date"]
    assert "--date-format" not in bad
