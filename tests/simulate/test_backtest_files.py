"""`tinko backtest --csv`: which files are read, and what a file that cannot be read is told.

European Excel saves CSV with semicolons and its "Unicode Text" with tabs in UTF-16; Excel's
plain "CSV (Comma delimited)" writes the computer's code page, its "CSV UTF-8" writes UTF-8
(https://donatstudios.com/CSV-An-Encoding-Nightmare).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tinko.cli import app
from tinko.simulate.backtest import BacktestError, Export, read_export

runner = CliRunner()

COLUMNS = ("id", "Created date (UTC)", "Amount", "Currency", "Status", "Decline Reason")
ROW = ("ch_1", "2026-03-01", "49,00", "eur", "Failed", "do_not_honor")


def _text(delimiter: str) -> str:
    return delimiter.join(COLUMNS) + "\n" + delimiter.join(ROW) + "\n"


def _read(tmp_path: Path, data: bytes) -> Export:
    path = tmp_path / "payments.csv"
    path.write_bytes(data)
    return read_export(path)


def _refusal(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "payments.csv"
    path.write_bytes(data)
    result = runner.invoke(app, ["backtest", "--csv", str(path)])
    assert result.exit_code == 2, result.output
    return result.stderr


def _amounts(export: Export) -> list[int]:
    return [f.amount_minor for f in export.failures]


# --- delimiters -----------------------------------------------------------------------------


def test_a_semicolon_delimited_export_is_read(tmp_path: Path) -> None:
    assert _amounts(_read(tmp_path, _text(";").encode())) == [4900]


def test_a_tab_delimited_export_is_read(tmp_path: Path) -> None:
    assert _amounts(_read(tmp_path, _text("\t").encode())) == [4900]


def test_a_pipe_delimited_export_is_read(tmp_path: Path) -> None:
    assert _amounts(_read(tmp_path, _text("|").encode())) == [4900]


def test_a_comma_file_with_semicolons_in_a_quoted_cell_stays_comma_delimited(
    tmp_path: Path,
) -> None:
    text = (
        'id,Created date (UTC),Amount,Currency,Status,Decline Reason,"Note; internal"\n'
        'ch_1,2026-03-01,49.00,usd,Failed,do_not_honor,"a; b"\n'
    )
    assert _amounts(_read(tmp_path, text.encode())) == [4900]


# --- encodings ------------------------------------------------------------------------------


def test_utf8_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    data = _text(";").encode("utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    assert _amounts(_read(tmp_path, data)) == [4900]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_is_read(tmp_path: Path, encoding: str) -> None:
    # Excel's "Unicode Text": UTF-16 little-endian with its mark, tab-delimited.
    mark = "\ufeff".encode(encoding)
    assert _amounts(_read(tmp_path, mark + _text("\t").encode(encoding))) == [4900]


def test_windows_1252_is_refused_saying_how_to_save_it_as_utf8(tmp_path: Path) -> None:
    text = _text(",").replace("49,00", "49.00").replace("ch_1", "ch_café")
    message = _refusal(tmp_path, text.encode("cp1252"))
    assert "line 2: byte 0xe9 is not UTF-8" in message
    assert "save it as 'CSV UTF-8 (Comma delimited)'" in message


def test_utf16_without_a_byte_order_mark_is_refused_not_read_as_nul_bytes(tmp_path: Path) -> None:
    with pytest.raises(BacktestError, match=r"NUL bytes.*CSV UTF-8"):
        _read(tmp_path, _text("\t").encode("utf-16-le"))


# --- files that are no CSV ------------------------------------------------------------------


def test_an_xlsx_workbook_is_told_it_is_a_workbook_and_how_to_save_a_csv(tmp_path: Path) -> None:
    message = _refusal(tmp_path, b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)))
    assert "an Excel workbook (.xlsx)" in message
    assert "CSV UTF-8" in message


def test_an_xls_workbook_is_told_it_is_a_workbook(tmp_path: Path) -> None:
    message = _refusal(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    assert "an Excel 97-2003 workbook (.xls)" in message


def test_a_pdf_is_told_it_is_a_pdf_and_to_download_the_csv(tmp_path: Path) -> None:
    message = _refusal(tmp_path, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    assert "a PDF, not a CSV" in message
    assert "download the payments export as CSV" in message
