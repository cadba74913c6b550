"""Read and validate ``network_rules.yaml`` (next to this module) into ``NetworkRules``.

Unknown keys, repeated keys, unsorted or overlapping effective ranges and malformed values all
raise ``NetworkRulesError`` naming the file and the entry.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable, Mapping
from datetime import date, datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, TypeVar

import yaml
from yaml.nodes import MappingNode, Node

from tinko.policies.windows import WindowError, WindowSpec, parse_window_spec
from tinko.recovery.guard.rules import (
    CapLimit,
    CapSet,
    CycleCap,
    DoNotRetry,
    EmandateRules,
    MastercardRules,
    NetworkRules,
    NetworkRulesError,
    Timeline,
    UpiAutopayRules,
    Version,
    VisaFee,
    VisaRules,
)

T = TypeVar("T")

_DURATION = re.compile(r"(\d+)([mhd])")
_UNITS: Final = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_ADVICE_CODE = re.compile(r"[0-9A-Z]{2}")


# --- YAML ---------------------------------------------------------------------------------


class _DuplicateKey(Exception):
    def __init__(self, key: object, line: int) -> None:
        super().__init__(key, line)
        self.key = key
        self.line = line


class UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader whose mappings refuse a repeated key (PyYAML would keep the last silently)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable):
                if key in seen:
                    raise _DuplicateKey(key, key_node.start_mark.line + 1)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _construct_map(loader: UniqueKeyLoader, node: Node) -> dict[Hashable, Any]:
    assert isinstance(node, MappingNode)
    return loader.construct_mapping(node, deep=True)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)


# --- loading ------------------------------------------------------------------------------

Source = Path | Traversable


@functools.cache
def load_network_rules() -> NetworkRules:
    """The packaged rules, read and validated once per process."""
    return read_network_rules(resources.files("tinko.recovery.guard") / "network_rules.yaml")


def read_network_rules(source: Source) -> NetworkRules:
    """Read and validate one rules file (uncached; tests and tools point it at other files)."""
    reader = _Reader(source.name)
    try:
        doc = yaml.load(source.read_text(encoding="utf-8"), Loader=UniqueKeyLoader)
    except _DuplicateKey as exc:
        raise reader.fail(str(exc.key), f"duplicate key (again on line {exc.line})") from None
    except yaml.YAMLError as exc:
        raise reader.fail(None, f"not valid YAML: {exc}") from None
    return reader.document(doc)


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, entry: str | None, problem: str) -> NetworkRulesError:
        return NetworkRulesError(self.file, entry, problem)

    # generic checks

    def mapping(
        self, value: object, where: str, *, required: frozenset[str], optional: frozenset[str]
    ) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, "must be a mapping")
        for key in value:
            if key not in required | optional:
                raise self.fail(f"{where}.{key}" if where else str(key), "unknown key")
        missing = sorted(required - set(value))
        if missing:
            raise self.fail(where or "(document)", f"missing key {missing[0]!r}")
        return value

    def day(self, value: object, where: str) -> date:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise self.fail(where, "must be a date written YYYY-MM-DD")
        return value

    def count(self, value: object, where: str, *, minimum: int = 0) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.fail(where, f"must be an integer ≥ {minimum}")
        return value

    def duration(self, value: object, where: str) -> timedelta:
        match = _DURATION.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            raise self.fail(where, 'must be a duration like "90m", "24h" or "30d"')
        return int(match[1]) * _UNITS[match[2]]

    def advice_code(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not _ADVICE_CODE.fullmatch(value):
            raise self.fail(where, 'must be a quoted two-character advice code such as "03"')
        return value

    def timeline(
        self,
        value: object,
        where: str,
        keys: frozenset[str],
        build: Callable[[Mapping[str, Any], str], T],
        optional: frozenset[str] = frozenset(),
    ) -> Timeline[T]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, "must be a non-empty list of effective-dated entries")
        versions: list[Version[T]] = []
        for i, raw in enumerate(value):
            entry = f"{where}[{i}]"
            item = self.mapping(
                raw,
                entry,
                required=keys,
                optional=optional | {"effective_from", "effective_to"},
            )
            start = self._optional_day(item, "effective_from", entry)
            end = self._optional_day(item, "effective_to", entry)
            if start and end and end <= start:
                raise self.fail(entry, "effective_to must be after effective_from")
            if versions:
                self._after(versions[-1], start, entry, f"{where}[{i - 1}]")
            versions.append(Version(start, end, build(item, entry)))
        return Timeline(tuple(versions))

    def _optional_day(self, item: Mapping[str, Any], key: str, entry: str) -> date | None:
        return self.day(item[key], f"{entry}.{key}") if key in item else None

    def _after(self, prev: Version[Any], start: date | None, entry: str, prev_entry: str) -> None:
        if start is None:
            raise self.fail(entry, "needs effective_from (only the first entry may omit it)")
        if prev.effective_from is not None and start < prev.effective_from:
            raise self.fail(
                entry, f"entries must be sorted by effective_from ({prev_entry} is later)"
            )
        if prev.effective_to is None or start < prev.effective_to:
            until = prev.effective_to or "open-ended"
            raise self.fail(entry, f"effective range overlaps {prev_entry} (until {until})")

    # the document

    def document(self, doc: object) -> NetworkRules:
        top = self.mapping(
            doc,
            "",
            required=frozenset({"meta"}),
            optional=frozenset({"visa", "mastercard", "upi_autopay", "emandate", "ach_debit"}),
        )
        meta = self.mapping(
            top["meta"],
            "meta",
            required=frozenset({"kind", "retrieved", "sources"}),
            optional=frozenset(),
        )
        if meta["kind"] != "network_rules":
            raise self.fail("meta.kind", "must be network_rules")
        sources = meta["sources"]
        if (
            not isinstance(sources, list)
            or not sources
            or not all(isinstance(s, str) and s.startswith("https://") for s in sources)
        ):
            raise self.fail("meta.sources", "must be a non-empty list of https:// URLs")
        return NetworkRules(
            file=self.file,
            retrieved=self.day(meta["retrieved"], "meta.retrieved"),
            sources=tuple(sources),
            visa=self.visa(top.get("visa", {})),
            mastercard=self.mastercard(top.get("mastercard", {})),
            upi_autopay=self.upi_autopay(top.get("upi_autopay", {})),
            emandate=self.emandate(top.get("emandate", {})),
            ach_debit=self.emandate(top.get("ach_debit", {}), "ach_debit"),
        )

    def _section(self, value: object, where: str, keys: set[str]) -> Mapping[str, Any]:
        return self.mapping(value, where, required=frozenset(), optional=frozenset(keys))

    def _optional(
        self, section: Mapping[str, Any], key: str, parse: Callable[[object], Timeline[T]]
    ) -> Timeline[T]:
        return parse(section[key]) if key in section else Timeline()

    def visa(self, value: object) -> VisaRules:
        s = self._section(value, "visa", {"do_not_retry", "attempt_caps", "excess_fee"})
        fee_keys = frozenset({"domestic_usd_cents", "interregional_usd_cents"})
        return VisaRules(
            do_not_retry=self._optional(
                s,
                "do_not_retry",
                lambda v: self.timeline(
                    v, "visa.do_not_retry", frozenset({"categories"}), self._categories
                ),
            ),
            attempt_caps=self._optional(s, "attempt_caps", lambda v: self.caps(v, "visa")),
            excess_fee=self._optional(
                s,
                "excess_fee",
                lambda v: self.timeline(v, "visa.excess_fee", fee_keys, self._visa_fee),
            ),
        )

    def _visa_fee(self, item: Mapping[str, Any], where: str) -> VisaFee:
        return VisaFee(
            domestic_usd_cents=self.count(
                item["domestic_usd_cents"], f"{where}.domestic_usd_cents"
            ),
            interregional_usd_cents=self.count(
                item["interregional_usd_cents"], f"{where}.interregional_usd_cents"
            ),
        )

    def _categories(self, item: Mapping[str, Any], where: str) -> frozenset[int]:
        raw = item["categories"]
        if not isinstance(raw, list) or not raw:
            raise self.fail(f"{where}.categories", "must be a non-empty list of 1-4")
        cats = [self.count(c, f"{where}.categories[{i}]", minimum=1) for i, c in enumerate(raw)]
        if any(c > 4 for c in cats):
            raise self.fail(f"{where}.categories", "Visa categories are 1-4")
        return frozenset(cats)

    def caps(self, value: object, network: str) -> Timeline[CapSet]:
        def build(item: Mapping[str, Any], where: str) -> CapSet:
            counters = item["counters"]
            if counters not in ("per_initiator", "shared"):
                raise self.fail(f"{where}.counters", "must be per_initiator or shared")
            limits = item["limits"]
            if not isinstance(limits, Mapping) or not limits:
                raise self.fail(
                    f"{where}.limits", "must map a limit name to {window, max_declines}"
                )
            parsed: list[CapLimit] = []
            for name, raw in limits.items():
                at = f"{where}.limits.{name}"
                if not isinstance(name, str) or not _NAME.fullmatch(name):
                    raise self.fail(at, "limit names are lower_snake_case")
                limit = self.mapping(
                    raw, at, required=frozenset({"window", "max_declines"}), optional=frozenset()
                )
                window = self.duration(limit["window"], f"{at}.window")
                most = self.count(limit["max_declines"], f"{at}.max_declines", minimum=1)
                parsed.append(CapLimit(rule=f"{network}.{name}", window=window, max_declines=most))
            return CapSet(counters=counters, limits=tuple(parsed))

        return self.timeline(
            value, f"{network}.attempt_caps", frozenset({"counters", "limits"}), build
        )

    def mastercard(self, value: object) -> MastercardRules:
        keys = {"do_not_retry", "retry_after", "attempt_caps", "excess_fee"}
        s = self._section(value, "mastercard", keys)
        dnr_keys = frozenset({"advice_codes", "card_block", "fee_usd_cents"})
        return MastercardRules(
            do_not_retry=self._optional(
                s,
                "do_not_retry",
                lambda v: self.timeline(v, "mastercard.do_not_retry", dnr_keys, self._do_not_retry),
            ),
            retry_after=self._optional(
                s,
                "retry_after",
                lambda v: self.timeline(
                    v, "mastercard.retry_after", frozenset({"delays"}), self._delays
                ),
            ),
            attempt_caps=self._optional(s, "attempt_caps", lambda v: self.caps(v, "mastercard")),
            excess_fee=self._optional(
                s,
                "excess_fee",
                lambda v: self.timeline(
                    v,
                    "mastercard.excess_fee",
                    frozenset({"usd_cents"}),
                    lambda m, w: self.count(m["usd_cents"], f"{w}.usd_cents"),
                ),
            ),
        )

    def _do_not_retry(self, item: Mapping[str, Any], where: str) -> DoNotRetry:
        raw = item["advice_codes"]
        if not isinstance(raw, list) or not raw:
            raise self.fail(f"{where}.advice_codes", "must be a non-empty list")
        codes = [self.advice_code(c, f"{where}.advice_codes[{i}]") for i, c in enumerate(raw)]
        return DoNotRetry(
            advice_codes=frozenset(codes),
            card_block=self.duration(item["card_block"], f"{where}.card_block"),
            fee_usd_cents=self.count(item["fee_usd_cents"], f"{where}.fee_usd_cents"),
        )

    def _delays(self, item: Mapping[str, Any], where: str) -> Mapping[str, timedelta]:
        raw = item["delays"]
        if not isinstance(raw, Mapping) or not raw:
            raise self.fail(f"{where}.delays", "must map advice codes to durations")
        delays = {
            self.advice_code(code, f"{where}.delays.{code}"): self.duration(
                delay, f"{where}.delays.{code}"
            )
            for code, delay in raw.items()
        }
        return MappingProxyType(delays)

    def cycle_caps(self, value: object, where: str) -> Timeline[CycleCap]:
        return self.timeline(
            value,
            where,
            frozenset({"max_attempts", "unknown_cycle_window"}),
            lambda m, w: CycleCap(
                max_attempts=self.count(m["max_attempts"], f"{w}.max_attempts", minimum=1),
                max_successes=(
                    self.count(m["max_successes"], f"{w}.max_successes", minimum=1)
                    if "max_successes" in m
                    else None
                ),
                unknown_cycle_window=self.duration(
                    m["unknown_cycle_window"], f"{w}.unknown_cycle_window"
                ),
            ),
            optional=frozenset({"max_successes"}),
        )

    def upi_autopay(self, value: object) -> UpiAutopayRules:
        s = self._section(value, "upi_autopay", {"execution_window", "cycle_cap"})
        return UpiAutopayRules(
            execution_window=self._optional(
                s,
                "execution_window",
                lambda v: self.timeline(
                    v, "upi_autopay.execution_window", frozenset({"window"}), self._window
                ),
            ),
            cycle_cap=self._optional(
                s, "cycle_cap", lambda v: self.cycle_caps(v, "upi_autopay.cycle_cap")
            ),
        )

    def _window(self, item: Mapping[str, Any], where: str) -> WindowSpec:
        raw = item["window"]
        if not isinstance(raw, Mapping):
            raise self.fail(f"{where}.window", "must be a mapping {timezone, allowed}")
        try:
            return parse_window_spec(raw, loc=(f"{where}.window",))
        except WindowError as exc:
            raise self.fail(".".join(str(p) for p in exc.loc), exc.msg) from None

    def emandate(self, value: object, where: str = "emandate") -> EmandateRules:
        """An e-mandate's, or a bank debit's (``ach_debit``), cap on presentations."""
        s = self._section(value, where, {"cycle_cap"})
        return EmandateRules(
            cycle_cap=self._optional(
                s, "cycle_cap", lambda v: self.cycle_caps(v, f"{where}.cycle_cap")
            )
        )
