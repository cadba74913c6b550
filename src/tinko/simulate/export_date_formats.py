"""`--date-format`: whether a given one is a date format at all, and which one to suggest for
a value the reader cannot read by itself. Formats are Python's strptime codes
(https://docs.python.org/3/library/datetime.html#format-codes)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from tinko.simulate.export_errors import BacktestError

# strptime's directives (the format codes table linked above); %% is a literal percent sign.
_DIRECTIVES: Final = frozenset("aAwdbBmyYHIpMSfzZjUWcxXGuV%")
_YEAR: Final = frozenset("Yy")
_WHOLE_DATE: Final = frozenset("cx")  # the locale's date (and time)
_EXAMPLE: Final = "e.g. '%d/%m/%Y %H:%M'"


def check_date_format(layout: str) -> None:
    """BacktestError naming what is wrong with ``layout``, a `--date-format`."""
    directives = re.findall(r"%(.?)", layout)
    for directive in directives:
        if directive not in _DIRECTIVES:
            shown = f"%{directive}" if directive else "a lone % at the end"
            raise BacktestError(
                f"--date-format {layout!r}: {shown} is not a strptime format code ({_EXAMPLE})"
            )
    codes = set(directives)
    if codes & _WHOLE_DATE:
        return
    if not codes & _YEAR or not ("j" in codes or ("d" in codes and codes & set("mbB"))):
        raise BacktestError(
            f"--date-format {layout!r} does not say where the day, month and year are ({_EXAMPLE})"
        )


# English names, as exports write them whatever the computer's locale; strptime's %b/%B and
# %a/%A read the C locale's English names.
_MONTHS: Final = (
    *("january", "february", "march", "april", "may", "june", "july"),
    *("august", "september", "october", "november", "december"),
)
_DAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TOKEN: Final = re.compile(r"\d+|[A-Za-z]+|[^\dA-Za-z]+")


def suggested_format(text: str, order: str = "day") -> str | None:
    """A strptime format that reads ``text`` ("01.03.2026 14:05" -> '%d.%m.%Y %H:%M'), with
    two short date numbers in ``order`` (``day`` or ``month`` first) unless one is above 12;
    None when the guess does not read it."""
    text = text.strip()
    tokens = _TOKEN.findall(text)
    time_at = next((i for i in range(len(tokens)) if _in_time(tokens, i)), len(tokens))
    dates = [t for t in tokens[:time_at] if t.isdigit()]
    date_codes = _date_codes(dates, order, any(_name(t) in ("%b", "%B") for t in tokens))
    parts: list[str] = []
    time_codes = iter(("%H", "%M", "%S"))
    for i, token in enumerate(tokens):
        if token.isdigit():
            if _in_time(tokens, i):
                parts.append(next(time_codes, "%f"))
            elif parts and parts[-1] == "." and tokens[i - 2 : i - 1] and _in_time(tokens, i - 2):
                parts.append("%f")  # 14:05:09.123
            else:
                parts.append(date_codes.pop(0) if date_codes else token)
        elif token.isalpha():
            parts.append(_name(token) or token)
        elif token.strip() in ("+", "-") and "%M" in parts:
            parts.append(token.replace("+", "").replace("-", "") + "%z")
            break  # the offset's digits are %z's
        else:
            parts.append(token.replace("%", "%%"))
    layout = "".join(parts)
    if "%p" in layout:
        layout = layout.replace("%H", "%I")
    if not re.search("%[Yy]", layout):
        return None  # no year: not a date this guess understands
    try:
        datetime.strptime(text, layout)  # noqa: DTZ007 (only checks that it reads)
    except ValueError:
        return None
    return layout


def _in_time(tokens: list[str], i: int) -> bool:
    """Whether the number at ``i`` is an hour, minute or second: beside a colon."""
    return (i + 1 < len(tokens) and tokens[i + 1] == ":") or (i > 0 and tokens[i - 1] == ":")


def _date_codes(numbers: list[str], order: str, named_month: bool) -> list[str]:
    if len(numbers) == 1 and len(numbers[0]) == 8:  # 20260301
        return ["%Y%m%d"]
    shorts = [n for n in numbers if len(n) <= 2]
    if named_month:
        short_codes = ["%d"]
    elif len(shorts) >= 2 and int(shorts[0]) > 12:
        short_codes = ["%d", "%m"]
    elif (len(shorts) >= 2 and int(shorts[1]) > 12) or (numbers and len(numbers[0]) == 4):
        short_codes = ["%m", "%d"]  # month first, or year first: 2026.03.01
    else:
        short_codes = ["%d", "%m"] if order == "day" else ["%m", "%d"]
    if len(shorts) == 3 and not named_month:
        short_codes.append("%y")  # 01/03/26
    codes = []
    for number in numbers:
        if len(number) == 4:
            codes.append("%Y")
        elif short_codes:
            codes.append(short_codes.pop(0))
        else:
            codes.append(number)  # a literal the check below will refuse if it is no date
    return codes


def _name(token: str) -> str | None:
    word = token.lower()
    if word in ("am", "pm"):
        return "%p"
    if word in _MONTHS:
        return "%B"
    if any(m.startswith(word) for m in _MONTHS) and len(word) == 3:
        return "%b"
    if word in _DAYS:
        return "%A"
    if any(d.startswith(word) for d in _DAYS) and len(word) == 3:
        return "%a"
    return None
