"""Reasons: why each step of a recovery was planned, moved, blocked, skipped or cancelled.

`codes` is the closed set (pure: the planner and the guard's callers build reasons with
`make`); `render.explain` turns one into a sentence in en, hi or ta. The package sits below
the domains, so recovery, notify and the edges (API, console) all use the same words.
"""

from tinko.reasons.codes import (
    BASIS,
    PARAMS,
    Basis,
    Reason,
    ReasonCode,
    ReasonError,
    is_reason,
    make,
)
from tinko.reasons.render import LANGUAGES, explain

__all__ = [
    "BASIS",
    "LANGUAGES",
    "PARAMS",
    "Basis",
    "Reason",
    "ReasonCode",
    "ReasonError",
    "explain",
    "is_reason",
    "make",
]
