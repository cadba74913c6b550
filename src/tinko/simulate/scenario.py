"""The simulator's world description: a scenario file (YAML) read and validated into `Scenario`.

docs/simulator.md is the reference for every key. Validation is strict: an unknown key, a
missing one or a bad value raises `ScenarioError` naming the key's path (``failure_mix[2].share``)
so a scenario written from the docs alone fails with a message that says what to fix.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Final

import yaml
from yaml.nodes import MappingNode, ScalarNode

from tinko.policies.windows import WEEKDAY_NAMES, WindowError, zone

METHODS: Final = (
    "visa_card",
    "mastercard_card",
    "rupay_card",
    "upi_autopay",
    "emandate",
    "ach_debit",
    "sepa_debit",
)
CARD_METHODS: Final = ("visa_card", "mastercard_card", "rupay_card")
# Bank debits: the bank's answer (settled or returned) comes days after the debit is sent.
DEBIT_METHODS: Final = ("ach_debit", "sepa_debit")
BEHAVIOURS: Final = (
    "funds",
    "temporary_block",
    "issuer_outage",
    "expired_card",
    "lost_stolen",
    "authentication",
    "upi_timeout",
    "mandate_revoked",
)
# Which payment methods a behaviour can hit when an entry does not say.
DEFAULT_METHODS: Final[Mapping[str, tuple[str, ...]]] = {
    "funds": METHODS,
    "temporary_block": METHODS,
    "issuer_outage": METHODS,
    "expired_card": CARD_METHODS,
    "lost_stolen": CARD_METHODS,
    "authentication": CARD_METHODS,
    "upi_timeout": ("upi_autopay",),
    "mandate_revoked": ("upi_autopay", "emandate", *DEBIT_METHODS),
}
PATTERNS: Final = ("monthly", "twice_monthly", "weekly", "biweekly", "irregular")
GATEWAYS: Final = ("stripe", "razorpay", "sandbox")
CHANNELS: Final = ("email", "sms", "whatsapp")
MAX_FAILURES: Final = 2_000_000
DEFAULT_START: Final = date(2026, 1, 5)


class ScenarioError(ValueError):
    """A scenario file is malformed; ``where`` is the path of the offending key."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}" if where else problem)


@dataclass(frozen=True, slots=True)
class Range:
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Amount:
    kind: str  # fixed | uniform | lognormal | choices
    values: tuple[float, ...]  # fixed: (v,); uniform: (min, max); lognormal: (median, spread)
    choices: tuple[tuple[int, float], ...] = ()  # (value, share)


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    timezone: str
    share: float


@dataclass(frozen=True, slots=True)
class MethodShare:
    type: str
    share: float


@dataclass(frozen=True, slots=True)
class Income:
    pattern: str
    share: float
    days: tuple[int, ...] = ()  # monthly / twice_monthly: days of month, -1 the last
    weekday: int = 4  # weekly and biweekly: 0 = Monday
    mean_days: float = 10.0  # irregular
    business_days: bool = False  # monthly dates on a weekend move to the Friday before


@dataclass(frozen=True, slots=True)
class Balance:
    income_multiple: Range  # income per payday, as a multiple of the charge
    spend_share: Range  # share of each pay period's income spent, evenly over the period
    income: Amount | None = None  # income per payday in minor units, whatever the charge


@dataclass(frozen=True, slots=True)
class Issuers:
    count: int
    outages_per_30_days: float
    outage_hours: Range
    stop_links: bool = False  # an outage also turns away the customer's own payment


@dataclass(frozen=True, slots=True)
class FailureKind:
    code: str
    share: float
    behaviour: str
    methods: tuple[str, ...]
    advice_code: str | None
    clears_after_hours: Range
    never_clears_share: float
    willingness: float | None = None  # replaces responses.willingness for this kind


@dataclass(frozen=True, slots=True)
class Responses:
    reachable_email: float
    reachable_phone: float
    channels: Mapping[str, float]  # chance that a message sent in daytime is read
    willingness: float  # chance that a customer who reads the first message pays
    day_start: int  # local hour
    day_end: int
    night_factor: float
    fatigue: float  # each earlier message to the customer multiplies the willingness
    delay_hours: Range
    opt_out_first: float
    opt_out_per_message: float
    willingness_half_life_days: float | None = None  # willingness halves every so many days
    # Messages older than this no longer wear the customer down (None: they always do).
    fatigue_memory_days: float | None = None


@dataclass(frozen=True, slots=True)
class Fees:
    per_attempt: Mapping[str, int]  # minor units per attempt, by payment method type
    per_message: Mapping[str, float]  # minor units per message, by channel
    usd_cent: float  # one US cent in minor units of the scenario's currency


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    currency: str
    gateway: str
    merchant_timezone: str
    start: date
    days: int
    window_days: int
    failures: int
    customers: int
    amount: Amount
    countries: tuple[Country, ...]
    payment_methods: tuple[MethodShare, ...]
    income: tuple[Income, ...]
    balance: Balance
    issuers: Issuers
    failure_mix: tuple[FailureKind, ...]
    responses: Responses
    fees: Fees
    issuer_down_code: str
    minimum_charge: int = 1  # the gateway's smallest charge in minor units (1: none)

    def with_failures(self, failures: int, customers: int | None = None) -> Scenario:
        from dataclasses import replace

        return replace(self, failures=failures, customers=customers or failures)


def shipped_scenarios() -> list[str]:
    folder = resources.files("tinko.simulate") / "scenarios"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def heldout_scenarios() -> list[str]:
    """The development set: worlds nobody tunes on (docs/simulator.md, "Held-out worlds")."""
    folder = resources.files("tinko.simulate") / "scenarios" / "heldout"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load_scenario(path: Path) -> Scenario:
    """A scenario file, or one we ship named without its folder (`india_d2c`,
    `heldout/jp_fitness`)."""
    name = path.name.removesuffix(".yaml")
    parent = path.parent.as_posix()
    shipped = parent == "." and name in shipped_scenarios()
    heldout = parent == "heldout" and name in heldout_scenarios()
    if not path.exists() and (shipped or heldout):
        folder = resources.files("tinko.simulate") / "scenarios"
        folder = folder / "heldout" if heldout else folder
        return parse_scenario((folder / f"{name}.yaml").read_text("utf-8"))
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError("", f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            "", f"not UTF-8 text (byte {exc.start}); save it as UTF-8 YAML"
        ) from None
    return parse_scenario(source)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader whose mappings refuse a repeated key (PyYAML would keep the last silently)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                line = key_node.start_mark.line + 1
                raise ScenarioError(str(key), f"duplicate key (again on line {line})")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: ScalarNode) -> Any:
        # PyYAML raises a bare ValueError for an impossible date (2026-02-30); keep the text
        # so the key's own check can name the key and the value.
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)


def yaml_problem(exc: yaml.YAMLError) -> str:
    """PyYAML's multi-line message as one line: where, then what."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"not valid YAML{where}: {problem}"


def parse_scenario(source: str) -> Scenario:
    try:
        doc = yaml.load(source, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise ScenarioError("", yaml_problem(exc)) from None
    from tinko.simulate.scenario_read import read_document

    return read_document(doc)


# --- small validators shared with scenario_read -------------------------------------------


def mapping(
    value: object, where: str, required: Sequence[str], optional: Sequence[str]
) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ScenarioError(where or "(document)", "must be a mapping of keys to values")
    for key in value:
        if key not in required and key not in optional:
            allowed = ", ".join([*required, *optional])
            raise ScenarioError(_join(where, key), f"unknown key; allowed here: {allowed}")
    for key in required:
        if key not in value:
            raise ScenarioError(_join(where, key), "missing (required)")
    return dict(value)


def _join(where: str, key: object) -> str:
    return f"{where}.{key}" if where else str(key)


def number(value: object, where: str, low: float, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(where, "must be a number")
    if not low <= value <= high:
        bound = f"from {low:g} to {high:g}" if high != math.inf else f"≥ {low:g}"
        raise ScenarioError(where, f"must be {bound}, got {value:g}")
    return float(value)


def integer(value: object, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(where, "must be a whole number")
    if not low <= value <= high:
        raise ScenarioError(where, f"must be from {low} to {high}, got {value}")
    return value


def text(value: object, where: str, *, choices: Sequence[str] | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(where, "must be a non-empty string")
    if choices is not None and value not in choices:
        raise ScenarioError(where, f"{value!r} is not one of {', '.join(choices)}")
    return value


def timezone(value: object, where: str) -> str:
    name = text(value, where)
    try:
        zone(name)
    except (WindowError, ValueError):
        raise ScenarioError(where, f"unknown time zone {name!r} (use an IANA name)") from None
    return name


def day(value: object, where: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        got = f", got {value!r}" if isinstance(value, str | int | float) else ""
        raise ScenarioError(where, f"must be a real date written YYYY-MM-DD{got}")
    return value


_FULL_WEEKDAYS: Final = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


def weekday(value: object, where: str) -> int:
    """``fri`` or ``friday``, any case; nothing looser (``frisbee`` is a typo, not Friday)."""
    name = value.strip().lower() if isinstance(value, str) else None
    if name in WEEKDAY_NAMES:
        return WEEKDAY_NAMES.index(name)
    if name in _FULL_WEEKDAYS:
        return _FULL_WEEKDAYS.index(name)
    raise ScenarioError(where, f"must be a weekday: {', '.join(WEEKDAY_NAMES)} (or in full)")


def value_range(value: object, where: str, low: float, high: float = math.inf) -> Range:
    item = mapping(value, where, ("min", "max"), ())
    lo = number(item["min"], f"{where}.min", low, high)
    hi = number(item["max"], f"{where}.max", low, high)
    if hi < lo:
        raise ScenarioError(f"{where}.max", f"must be ≥ min ({lo:g})")
    return Range(lo, hi)


def shares(items: Sequence[Any], where: str) -> None:
    """Shares are weights; they need not sum to 1 but must not all be 0."""
    total = sum(getattr(item, "share", 0.0) for item in items)
    if total <= 0:
        raise ScenarioError(where, "the shares must not all be 0")


def items(value: object, where: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise ScenarioError(where, "must be a non-empty list")
    return value
