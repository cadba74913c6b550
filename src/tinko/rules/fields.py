"""The context field catalogue: which fields a condition may name, and the type of each.

Kinds: ``str`` (enum-like: compared case-insensitively, values checked against a vocabulary
or a fixed pattern), ``bool``, ``number`` (``integer`` ones reject fractions; ``bool`` is never a
number) and ``any`` (``customer.<name>`` / ``metadata.<key>``: a string, number, boolean or,
for ``contains``, a list in the context).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal, TypeAlias

from tinko.classifier.model import CATEGORIES
from tinko.rules.errors import show

FieldKind: TypeAlias = Literal["str", "bool", "number", "any"]

DECLINE_TYPES: Final = ("soft", "hard")
PAYMENT_METHOD_TYPES: Final = (
    "card",
    "upi",
    "netbanking",
    "wallet",
    "emandate",
    "ach_debit",
    "sepa_debit",
    "bacs_debit",
)
CARD_NETWORKS: Final = (
    "visa",
    "mastercard",
    "rupay",
    "amex",
    "discover",
    "diners",
    "jcb",
    "unionpay",
    "other",
)

CUSTOMER_FIELD: Final = "customer.<name>"
METADATA_FIELD: Final = "metadata.<key>"
# Attribute names under customer./metadata.: ASCII only, so no look-alike keys.
NAME_PATTERN: Final = "[A-Za-z0-9_]{1,64}"
_NAME_RE: Final = re.compile(NAME_PATTERN)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One entry of the catalogue. ``pattern`` is ours (fixed), never taken from users."""

    kind: FieldKind
    description: str
    integer: bool = False
    vocabulary: tuple[str, ...] | None = None
    pattern: str | None = None
    case: Literal["lower", "upper"] | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"type": self.kind, "description": self.description}
        if self.integer:
            out["integer"] = True
        if self.vocabulary is not None:
            out["values"] = list(self.vocabulary)
        if self.pattern is not None:
            out["pattern"] = self.pattern
        return out


def _enum(description: str, vocabulary: tuple[str, ...]) -> FieldSpec:
    return FieldSpec("str", description, vocabulary=vocabulary, case="lower")


CONTEXT_FIELDS: Final[Mapping[str, FieldSpec]] = MappingProxyType(
    {
        "category": _enum("Decline category from the classifier.", CATEGORIES),
        "decline_type": _enum("soft (may succeed later) or hard.", DECLINE_TYPES),
        "retryable": FieldSpec("bool", "Whether the network rules allow another retry."),
        "amount": FieldSpec("number", "Amount in minor units (paise, cents).", integer=True),
        "currency": FieldSpec("str", "ISO 4217 code, e.g. INR.", pattern="[A-Z]{3}", case="upper"),
        "gateway": FieldSpec(
            "str", "Payment gateway, e.g. razorpay.", pattern="[a-z0-9_.-]{1,64}", case="lower"
        ),
        "payment_method_type": _enum("How the customer paid.", PAYMENT_METHOD_TYPES),
        "country": FieldSpec(
            "str", "ISO 3166-1 alpha-2 country, e.g. IN.", pattern="[A-Z]{2}", case="upper"
        ),
        "card_network": _enum("Card network (card payments only).", CARD_NETWORKS),
        "attempt_number": FieldSpec("number", "1 for the original payment.", integer=True),
        "hours_since_failure": FieldSpec("number", "Hours since the first failure."),
        CUSTOMER_FIELD: FieldSpec("any", "An attribute of the customer.", pattern=NAME_PATTERN),
        METADATA_FIELD: FieldSpec("any", "A metadata key of the payment.", pattern=NAME_PATTERN),
    }
)

_PREFIXED: Final = {"customer.": CUSTOMER_FIELD, "metadata.": METADATA_FIELD}
_FIXED_PATTERNS: Final = {
    name: re.compile(spec.pattern)
    for name, spec in CONTEXT_FIELDS.items()
    if spec.pattern is not None and spec.kind == "str"
}

FIELD_NAMES_HELP: Final = ", ".join(CONTEXT_FIELDS)


def field_spec(name: str) -> FieldSpec | None:
    """The catalogue entry for a concrete field name (``customer.tier`` → the customer entry)."""
    if name in CONTEXT_FIELDS and name not in (CUSTOMER_FIELD, METADATA_FIELD):
        return CONTEXT_FIELDS[name]
    for prefix, key in _PREFIXED.items():
        if name.startswith(prefix) and _NAME_RE.fullmatch(name[len(prefix) :]):
            return CONTEXT_FIELDS[key]
    return None


def unknown_field_message(name: object) -> str:
    if isinstance(name, str):
        for prefix in _PREFIXED:
            if name.startswith(prefix):
                return (
                    f"invalid name after '{prefix}': use 1-64 ASCII letters, digits or underscores"
                )
    return f"unknown field {show(name)}; use one of {FIELD_NAMES_HELP}"


def matches_pattern(name: str, value: str) -> bool:
    """Whether a normalised string value fits the fixed pattern of field ``name``."""
    pattern = _FIXED_PATTERNS.get(name)
    return pattern is None or pattern.fullmatch(value) is not None
