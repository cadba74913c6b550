"""Decline classifier: PSP, network and UPI codes to a category and a next step.

Pure and data-driven: the facts live in YAML tables under ``data/`` (each citing its
public sources); this package only reads them.
"""

from __future__ import annotations

from tinko.classifier.engine import classify_with
from tinko.classifier.errors import ClassifierDataError
from tinko.classifier.loader import get_tables, load_data_file, load_tables
from tinko.classifier.model import CATEGORIES, Classification, DeclineSignal

__all__ = [
    "CATEGORIES",
    "Classification",
    "ClassifierDataError",
    "DeclineSignal",
    "classify",
    "load_data_file",
    "load_tables",
]


def classify(signal: DeclineSignal) -> Classification:
    """Classify one failed payment. Never raises for any signal; unknown input is 'unknown'."""
    return classify_with(get_tables(), signal)
