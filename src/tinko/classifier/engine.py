"""Turn a ``DeclineSignal`` into a ``Classification`` using the data tables.

Precedence (fixed by the spec): network advice code > PSP decline code > PSP failure code >
network (ISO 8583 / NPCI) code > message text. A row marked ``generic`` ("card_declined",
"payment_failed", ...) only decides when nothing more specific matched further down.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime

from tinko.classifier.model import Classification, DeclineSignal, DeclineType
from tinko.classifier.tables import CodeTable, Row, Tables, normalize_code

# A PSP code sent under another (or no) gateway name still matches, with less confidence.
CROSS_GATEWAY_FACTOR = 0.8
UNKNOWN_CONFIDENCE = 0.2
EMPTY_CONFIDENCE = 0.1

_ISO_TABLE = "iso8583"
_UPI_TABLE = "npci_upi"
_CODE_FIELDS = (
    "failure_code",
    "decline_code",
    "network_advice_code",
    "network_decline_code",
    "failure_message",
)


@dataclass(frozen=True, slots=True)
class _Match:
    row: Row
    confidence: float


@dataclass(frozen=True, slots=True)
class _Context:
    gateway: str | None
    method: str | None
    network: str | None
    india: bool


def _text(value: object) -> str | None:
    """Callers sometimes pass numbers (``51``); anything blank counts as absent."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text if text.strip() else None


def _code(value: object, pad: bool = False) -> str | None:
    text = _text(value)
    if text is None:
        return None
    code = normalize_code(text)
    # "5" is response code "05"; MAC "3" is "03".
    if pad and len(code) == 1 and code.isdigit():
        code = "0" + code
    return code or None


def _day(value: object) -> date | None:
    """The decline day; a datetime counts as its date, anything else as "latest"."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _context(tables: Tables, signal: DeclineSignal) -> _Context:
    alt = tables.alternates
    gateway = _code(signal.gateway)
    network = _code(signal.card_network)
    method_raw = _code(signal.payment_method_type)
    method = alt.method_aliases.get(method_raw) if method_raw else None
    if method is None and network in alt.card_networks:
        method = "card"
    country = (_text(signal.country) or "").strip().upper()
    india = (
        country in alt.india_countries
        or gateway in alt.india_gateways
        or network in alt.india_networks
    )
    return _Context(gateway, method, network, india)


@functools.lru_cache(maxsize=64)
def _psp_order(
    tables: Tables, gateway: str | None, first_role: str
) -> tuple[tuple[str, float], ...]:
    """PSP tables to try for one slot: the gateway's own first, then the others."""
    psp = [t for t in tables.code_tables.values() if t.role.startswith("psp")]
    psp.sort(key=lambda t: (t.role != first_role, t.name))
    own = [(t.name, 1.0) for t in psp if gateway in t.gateways]
    other = [(t.name, CROSS_GATEWAY_FACTOR) for t in psp if gateway not in t.gateways]
    return tuple(own + other)


@functools.lru_cache(maxsize=8)
def _advice_order(tables: Tables) -> tuple[tuple[str, float], ...]:
    advice = sorted(
        (t for t in tables.code_tables.values() if t.role == "advice"), key=lambda t: t.name
    )
    return tuple((t.name, 1.0) for t in advice)


def _network_order(ctx: _Context) -> tuple[str, ...]:
    return (_UPI_TABLE, _ISO_TABLE) if ctx.method == "upi" else (_ISO_TABLE, _UPI_TABLE)


def _find(
    tables: Tables, order: tuple[tuple[str, float], ...], code: str, ctx: _Context
) -> _Match | None:
    for name, factor in order:
        table: CodeTable | None = tables.code_tables.get(name)
        if table is None:
            continue
        row = table.lookup(code, ctx.network)
        if row is not None:
            row = row.for_method(ctx.method)
            return _Match(row, round(row.confidence * factor, 3))
    return None


def _slot_matches(tables: Tables, signal: DeclineSignal, ctx: _Context) -> list[_Match]:
    """The best match of each slot, in precedence order (advice excluded)."""
    matches: list[_Match] = []
    network_tables = tuple((n, 1.0) for n in _network_order(ctx))
    decline = _code(signal.decline_code, pad=True)
    if decline is not None:
        order = _psp_order(tables, ctx.gateway, "psp_decline") + network_tables
        found = _find(tables, order, decline, ctx)
        if found is not None:
            matches.append(found)
    failure = _code(signal.failure_code, pad=True)
    if failure is not None:
        order = _psp_order(tables, ctx.gateway, "psp_error") + network_tables
        found = _find(tables, order, failure, ctx)
        if found is not None:
            matches.append(found)
    raw_network = _code(signal.network_decline_code, pad=True)
    if raw_network is not None:
        found = _find(tables, network_tables, raw_network, ctx)
        if found is not None:
            matches.append(found)
    message = _text(signal.failure_message)
    if message is not None:
        for pattern in tables.messages:
            if pattern.regex.search(message):
                row = pattern.row.for_method(ctx.method)
                matches.append(_Match(row, row.confidence))
                break
    return matches


def _advice(
    tables: Tables, signal: DeclineSignal, ctx: _Context
) -> tuple[_Match | None, str | None]:
    code = _code(signal.network_advice_code, pad=True)
    if code is None:
        return None, None
    found = _find(tables, _advice_order(tables), code, ctx)
    display = (_text(signal.network_advice_code) or "").strip().upper()
    if len(display) == 1 and display.isdigit():
        display = "0" + display
    return found, display


def _visa_code(tables: Tables, signal: DeclineSignal) -> tuple[str | None, bool]:
    """The raw Visa response code (network code first) and whether it is a decline."""
    iso = tables.code_tables.get(_ISO_TABLE)
    for raw in (signal.network_decline_code, signal.decline_code):
        code = _code(raw, pad=True)
        if code is None:
            continue
        row = iso.lookup(code, "visa") if iso is not None else None
        if row is not None:
            return code, row.category != "unknown"
        if code in tables.visa.history:
            return code, True
    return None, False


def _build(tables: Tables, signal: DeclineSignal) -> Classification:
    ctx = _context(tables, signal)
    advice, advice_code = _advice(tables, signal, ctx)
    matches = _slot_matches(tables, signal, ctx)
    specific = next((m for m in matches if not m.row.generic), None)
    chosen = specific or (matches[0] if matches else None)

    empty = all(_text(getattr(signal, f)) is None for f in _CODE_FIELDS)
    if chosen is None and (advice is None or advice.row.generic):
        unknown = tables.categories["unknown"]
        chosen = _Match(
            Row(
                source="default:unknown",
                category="unknown",
                decline_type=unknown.decline_type,
                recommended_action=unknown.recommended_action,
                cooldown_seconds=unknown.cooldown_seconds,
                reason=unknown.reason,
                confidence=0.0,
            ),
            EMPTY_CONFIDENCE if empty else UNKNOWN_CONFIDENCE,
        )

    category, decline_type, action, cooldown, reason, source, confidence = _combine(chosen, advice)

    visa_category: int | None = None
    if ctx.network == "visa":
        code, is_decline = _visa_code(tables, signal)
        if code is not None:
            visa_category = tables.visa.category(code, _day(signal.on), is_decline)
    if visa_category == 1 and decline_type == "soft":
        # Category 1: the issuer will never approve; every reattempt is charged.
        decline_type, action, cooldown = "hard", "do_not_retry", 0
        reason = f"{reason} Visa does not allow retrying this response code."

    return Classification(
        category=category,
        decline_type=decline_type,
        retryable=decline_type == "soft",
        confidence=min(1.0, max(0.0, confidence)),
        recommended_action=action,
        cooldown_seconds=cooldown if decline_type == "soft" else 0,
        alternate_methods=_alternates(tables, category, ctx),
        reason=reason,
        source=source,
        visa_category=visa_category,
        merchant_advice_code=advice_code,
    )


def _combine(
    chosen: _Match | None, advice: _Match | None
) -> tuple[str, DeclineType, str, int, str, str, float]:
    """Merge the decisive code row with the network advice (if any).

    The advice decides retry behaviour, but the category comes from the most specific code
    unless the advice itself names one (MAC 21: the cardholder cancelled the agreement) or
    the code is generic.
    A "retry later" advice never softens a hard decline from a code: retrying a lost card
    only earns network fees.
    """
    if advice is None or advice.row.generic:
        assert chosen is not None
        r = chosen.row
        return (
            r.category,
            r.decline_type,
            r.recommended_action,
            r.cooldown_seconds,
            r.reason,
            r.source,
            chosen.confidence,
        )
    a = advice.row
    if chosen is None:
        return (
            a.category,
            a.decline_type,
            a.recommended_action,
            a.cooldown_seconds,
            a.reason,
            a.source,
            advice.confidence,
        )
    r = chosen.row
    # A generic code ("card_declined") says less than the advice (MAC 24-30 mean NSF).
    advice_names_category = a.force_category or r.generic
    category = a.category if advice_names_category else r.category
    reason = a.reason if advice_names_category else f"{r.reason} {a.reason}"
    confidence = max(advice.confidence, chosen.confidence)
    if r.decline_type == "hard" and a.decline_type == "soft":
        return (category, "hard", r.recommended_action, 0, r.reason, r.source, confidence)
    return (
        category,
        a.decline_type,
        a.recommended_action,
        a.cooldown_seconds,
        reason,
        a.source,
        confidence,
    )


def _alternates(tables: Tables, category: str, ctx: _Context) -> tuple[str, ...]:
    alt = tables.alternates
    by_method = alt.by_method_india if ctx.india else alt.by_method_default
    if ctx.method is not None and ctx.method in by_method:
        return by_method[ctx.method]
    info = tables.categories[category]
    return info.alternates_india if ctx.india else info.alternates_default


@functools.lru_cache(maxsize=8192)
def _cached(tables: Tables, signal: DeclineSignal) -> Classification:
    return _build(tables, signal)


def classify_with(tables: Tables, signal: DeclineSignal) -> Classification:
    """Classify against explicit tables (the public ``classify`` uses the packaged ones)."""
    try:
        hash(signal)
    except TypeError:  # a caller put an unhashable value in a field: skip the cache
        return _build(tables, signal)
    return _cached(tables, signal)
