"""Header names and cell values folded for matching: lower-cased, with spaces, dashes and
brackets folded to single underscores ("Created date (UTC)" -> created_date_utc)."""

from __future__ import annotations


def key(header: str) -> str:
    out = "".join(c if c.isalnum() else "_" for c in header.strip().lower())
    return "_".join(part for part in out.split("_") if part)
