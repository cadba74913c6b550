"""Tinko Recovery: failed-payment recovery, open and self-hostable."""

__version__ = "0.1.0"
