"""Validated, in-memory forms of the data tables (built by ``loader``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from tinko.classifier.model import DeclineType

_SEPARATORS = re.compile(r"[\s\-]+")


def normalize_code(raw: str) -> str:
    """Codes match case-insensitively and ignore surrounding whitespace.

    Inner runs of spaces or hyphens count as one underscore, so "Insufficient Funds" and
    "insufficient-funds" find ``insufficient_funds``.
    """
    return _SEPARATORS.sub("_", raw.strip()).lower()


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    name: str
    decline_type: DeclineType
    retryable: bool
    cooldown_seconds: int
    recommended_action: str
    reason: str
    alternates_india: tuple[str, ...]
    alternates_default: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Row:
    """One resolved table row: a code's meaning with every default filled in."""

    source: str
    category: str
    decline_type: DeclineType
    recommended_action: str
    cooldown_seconds: int
    reason: str
    confidence: float
    generic: bool = False
    # Advice rows only: the advice names the category even when a decline code is present.
    force_category: bool = False
    by_method: Mapping[str, Row] = field(default_factory=dict)

    def for_method(self, method: str | None) -> Row:
        if method is None or not self.by_method:
            return self
        return self.by_method.get(method, self)


@dataclass(frozen=True, slots=True)
class CodeTable:
    name: str
    role: str  # psp_decline | psp_error | network | advice
    gateways: frozenset[str]
    rows: Mapping[str, Row]
    network_overrides: Mapping[str, Mapping[str, Row]]

    def lookup(self, code: str, card_network: str | None = None) -> Row | None:
        if card_network is not None:
            override = self.network_overrides.get(card_network)
            if override is not None:
                row = override.get(code)
                if row is not None:
                    return row
        return self.rows.get(code)


@dataclass(frozen=True, slots=True)
class VisaTable:
    """Visa decline categories per response code, as a dated history per code."""

    rules_from: date  # before this day Visa had no categories
    history: Mapping[str, tuple[tuple[date, int], ...]]  # code -> ((effective_from, cat), ...)

    def category(self, code: str, on: date | None, is_decline: bool) -> int | None:
        if on is not None and on < self.rules_from:
            return None
        entries = self.history.get(code)
        if entries:
            current: int | None = None
            for effective_from, category in entries:
                if on is None or effective_from <= on:
                    current = category
            if current is not None:
                return current
        # Category 4 is "all other decline response codes".
        return 4 if is_decline else None


@dataclass(frozen=True, slots=True)
class MessagePattern:
    name: str
    regex: re.Pattern[str]
    row: Row


@dataclass(frozen=True, slots=True)
class AlternatesConfig:
    india_countries: frozenset[str]
    india_gateways: frozenset[str]
    india_networks: frozenset[str]
    method_aliases: Mapping[str, str]
    card_networks: frozenset[str]
    by_method_india: Mapping[str, tuple[str, ...]]
    by_method_default: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity: a cache key
class Tables:
    categories: Mapping[str, CategoryInfo]
    code_tables: Mapping[str, CodeTable]
    visa: VisaTable
    messages: tuple[MessagePattern, ...]
    alternates: AlternatesConfig
    files: tuple[str, ...]
