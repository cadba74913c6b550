"""The one error a payments export can raise: the message says what is wrong with the input."""

from __future__ import annotations


class BacktestError(ValueError):
    """The input has no usable failures, or a row cannot be read; the message says which."""
