"""How many SMS segments a text takes, and in which encoding. Pure; no I/O.

A text whose every character is in the GSM 7-bit default alphabet (or its extension table,
whose characters take two septets: an escape and the character) is sent GSM-7: one segment
holds 160 septets; a longer text is split into parts of 153, since each part carries a 6-octet
concatenation header (7 septets). Any other character (Devanagari for Hindi, Tamil script,
most emoji) makes the whole text UCS-2: 70 UTF-16 code units in one segment, 67 per part.
A part never splits an escape pair or a surrogate pair, as carriers do.

Sources: 3GPP TS 23.038 §6.2.1 (the default alphabet) and §6.2.1.1 (the extension table),
https://www.3gpp.org/dynareport/23038.htm ; TS 23.040 §9.2.3.24.1 (the concatenation header),
https://www.3gpp.org/dynareport/23040.htm ; Twilio's explanation of the same limits,
https://www.twilio.com/docs/glossary/what-sms-character-limit (read 2026-12-05).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

# TS 23.038 §6.2.1: the 128 characters of the default alphabet (ESC, 0x1B, is not text).
GSM7_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# TS 23.038 §6.2.1.1: reached by an escape, so two septets each.
GSM7_EXTENSION: Final = frozenset("\f^{}\\[~]|€")
SINGLE: Final = {"gsm7": 160, "ucs2": 70}
PART: Final = {"gsm7": 153, "ucs2": 67}

Encoding = Literal["gsm7", "ucs2"]


@dataclass(frozen=True)
class SmsLength:
    encoding: Encoding
    characters: int  # what a person counts (code points)
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # the limit that applied: 160/153 or 70/67
    non_gsm: tuple[str, ...]  # the characters that forced UCS-2, first few, in order


def encoding_of(text: str) -> Encoding:
    return "gsm7" if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text) else "ucs2"


def _costs(text: str, encoding: Encoding) -> list[int]:
    if encoding == "gsm7":
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def sms_length(text: str) -> SmsLength:
    """The encoding, size and number of segments of ``text`` sent as one SMS."""
    encoding = encoding_of(text)
    costs = _costs(text, encoding)
    units = sum(costs)
    if units <= SINGLE[encoding]:
        segments, per = (1 if text else 0), SINGLE[encoding]
    else:
        per = PART[encoding]
        segments, room = 1, per
        for cost in costs:  # fill each part; a pair that does not fit starts the next one
            if cost > room:
                segments, room = segments + 1, per
            room -= cost
    odd: list[str] = []
    for c in text:
        if c not in GSM7_BASIC and c not in GSM7_EXTENSION and c not in odd:
            odd.append(c)
    return SmsLength(encoding, len(text), units, segments, per, tuple(odd[:5]))
