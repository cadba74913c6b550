"""Opening an export: its bytes decoded (UTF-8 with or without a byte-order mark, UTF-16 with
one), files that are no CSV at all (a workbook, a PDF) told apart with what to do instead, and
the delimiter read from the header line (European Excel writes semicolons, "Unicode Text"
tabs)."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from tinko.simulate.export_errors import BacktestError

# Excel's plain "CSV (Comma delimited)" writes the computer's code page (Windows-1252 in the
# US and Western Europe); its "CSV UTF-8 (Comma delimited)" writes UTF-8:
# https://donatstudios.com/CSV-An-Encoding-Nightmare
_SAVE_AS_UTF8: Final = (
    "in Excel, open it and save it as 'CSV UTF-8 (Comma delimited)' (File > Save As), "
    "or download the export again from the dashboard"
)
# Files that are not text, by their first bytes. A .xlsx (like any Office Open XML file) is a
# zip archive, whose local file header starts "PK\x03\x04" (PKWARE's APPNOTE.TXT, 4.3.7:
# https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT); a .xls is a compound file
# (https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-cfb/05060311-bfce-4b12-874d-71fd4ce63aea);
# a PDF starts "%PDF-" (ISO 32000-1, 7.5.2:
# https://opensource.adobe.com/dc-acrobat-sdk-docs/pdfstandards/PDF32000_2008.pdf).
_NOT_TEXT: Final = (
    (
        b"PK\x03\x04",
        f"an Excel workbook (.xlsx) or another zip archive, not a CSV; {_SAVE_AS_UTF8}",
    ),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        f"an Excel 97-2003 workbook (.xls), not a CSV; {_SAVE_AS_UTF8}",
    ),
    (
        b"%PDF-",
        "a PDF, not a CSV: download the payments export as CSV from the PSP's dashboard "
        "(Stripe: Payments > Export)",
    ),
)
# Byte-order marks (https://www.unicode.org/faq/utf_bom.html#bom4). Python's "utf-16" codec
# reads the mark, picks the byte order from it and drops it; "utf-8-sig" drops UTF-8's mark if
# there is one. UTF-32's marks are not accepted: no spreadsheet writes them.
_UTF16_MARKS: Final = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Delimiters the header line is sniffed for; csv.Sniffer picks among them
# (https://docs.python.org/3/library/csv.html#csv.Sniffer) and raises csv.Error when the line
# has none of them (a one-column file), which reads as commas.
_DELIMITERS: Final = ",;\t|"


def export_rows(path: Path) -> Iterator[list[str]]:
    """The rows of the export at ``path``: a csv.reader whose ``line_num`` counts the file's
    lines. BacktestError when the file is not text a CSV reader can take."""
    text = _text(path, path.read_bytes())
    # newline="": the reader sees \r\n, \r and \n line ends as written, as with open(newline="").
    return csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))


def _text(path: Path, data: bytes) -> str:
    for signature, what in _NOT_TEXT:
        if data.startswith(signature):
            raise BacktestError(f"{path}: this is {what}")
    if data.startswith(_UTF16_MARKS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise BacktestError(
                f"{path}: the file starts as UTF-16 text but byte {exc.start} is not UTF-16; "
                f"{_SAVE_AS_UTF8}"
            ) from None
    if b"\x00" in data[:4096]:
        # UTF-16 without its mark, or binary data: a UTF-8 CSV holds no NUL byte.
        raise BacktestError(
            f"{path}: the file holds NUL bytes, so it is not UTF-8 text (UTF-16 without a "
            f"byte-order mark, or not text at all); {_SAVE_AS_UTF8}"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BacktestError(
            f"{path}: line {line}: byte {data[exc.start]:#04x} is not UTF-8, so the file was "
            f"saved in another encoding (e.g. Windows-1252); {_SAVE_AS_UTF8}"
        ) from None


def _delimiter(text: str) -> str:
    header = next(iter(text.splitlines()), "")
    try:
        return csv.Sniffer().sniff(header, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","
