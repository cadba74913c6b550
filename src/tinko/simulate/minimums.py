"""The gateways' minimum charge amounts (``data/minimum_charges.yaml``, with its sources)."""

from __future__ import annotations

import functools
from importlib import resources

import yaml


@functools.cache
def _table() -> dict[str, dict[str, int]]:
    text = (resources.files("tinko.simulate") / "data" / "minimum_charges.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return {gateway: {c: int(v) for c, v in (rows or {}).items()} for gateway, rows in data.items()}


def minimum_charge(gateway: str, currency: str) -> int:
    """The smallest charge ``gateway`` accepts in ``currency``, in minor units (1: no minimum)."""
    return _table().get(gateway, {}).get(currency, 1)
