"""Read a parsed scenario document into `Scenario`, section by section (see docs/simulator.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from tinko.kit.money import is_known_currency
from tinko.simulate.minimums import minimum_charge
from tinko.simulate.scenario import (
    BEHAVIOURS,
    CHANNELS,
    DEFAULT_METHODS,
    DEFAULT_START,
    GATEWAYS,
    MAX_FAILURES,
    METHODS,
    PATTERNS,
    Amount,
    Balance,
    Country,
    FailureKind,
    Fees,
    Income,
    Issuers,
    MethodShare,
    Responses,
    Scenario,
    ScenarioError,
    day,
    integer,
    items,
    mapping,
    number,
    shares,
    text,
    timezone,
    value_range,
    weekday,
)
from tinko.simulate.scenario_codes import advice_codes, check_code

_TOP_REQUIRED = ("name", "currency", "days", "failures", "amount", "payment_methods", "failure_mix")
_TOP_OPTIONAL = (
    "description",
    "gateway",
    "merchant_timezone",
    "start",
    "window_days",
    "customers",
    "countries",
    "income",
    "balance",
    "issuers",
    "responses",
    "fees",
    "issuer_down_code",
    "minimum_charge",
)
_CURRENCY = re.compile(r"[A-Z]{3}")
_HOUR = re.compile(r"([01]\d|2[0-4]):00")
# What an issuer outage looks like on a retry, per gateway (their own codes for it).
_ISSUER_DOWN = {"stripe": "issuer_not_available", "razorpay": "issuer_technical_error"}
_DEFAULT_COUNTRY = Country("US", "America/New_York", 1.0)


def read_document(doc: object, *, strict_codes: bool = True) -> Scenario:
    """``strict_codes``: refuse decline codes the classifier does not know (a scenario's are
    typed by hand; a backtest's come from a real export and may be anything)."""
    top = mapping(doc, "", _TOP_REQUIRED, _TOP_OPTIONAL)
    currency = text(top["currency"], "currency")
    if not _CURRENCY.fullmatch(currency):
        raise ScenarioError("currency", "must be a 3-letter ISO 4217 code in capitals, e.g. INR")
    if not is_known_currency(currency):
        raise ScenarioError("currency", f"{currency!r} is not an ISO 4217 currency code")
    gateway = text(top.get("gateway", "stripe"), "gateway", choices=GATEWAYS)
    failures = integer(top["failures"], "failures", 1, MAX_FAILURES)
    customers = integer(top.get("customers", failures), "customers", 1, failures)
    methods = _methods(top["payment_methods"])
    mix = _failure_mix(
        top["failure_mix"], {m.type for m in methods if m.share > 0}, gateway, strict_codes
    )
    amount = _amount(top["amount"])
    minimum = 1
    if _flag(top.get("minimum_charge", False), "minimum_charge"):
        minimum = minimum_charge(gateway, currency)
        _at_least(amount, minimum, f"{gateway}'s minimum charge in {currency}")
    return Scenario(
        name=text(top["name"], "name"),
        description=str(top.get("description", "")),
        currency=currency,
        gateway=gateway,
        merchant_timezone=timezone(top.get("merchant_timezone", "UTC"), "merchant_timezone"),
        start=day(top.get("start", DEFAULT_START), "start"),
        days=integer(top["days"], "days", 1, 366),
        window_days=integer(top.get("window_days", 28), "window_days", 1, 60),
        failures=failures,
        customers=customers,
        amount=amount,
        countries=_countries(top.get("countries")),
        payment_methods=methods,
        income=_income(top.get("income")),
        balance=_balance(top.get("balance", {})),
        issuers=_issuers(top.get("issuers", {})),
        failure_mix=mix,
        responses=_responses(top.get("responses", {})),
        fees=_fees(top.get("fees", {}), currency),
        issuer_down_code=check_code(
            top.get("issuer_down_code", _ISSUER_DOWN.get(gateway, "issuer_not_available")),
            "issuer_down_code",
            gateway,
            known=True,
        ),
        minimum_charge=minimum,
    )


def _flag(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ScenarioError(where, "must be true or false")
    return value


def _at_least(amount: Amount, minimum: int, what: str) -> None:
    """Fixed values below the gateway's minimum could never have been charged."""
    values = [v for v, _ in amount.choices] if amount.kind == "choices" else []
    if amount.kind == "fixed":
        values = [int(amount.values[0])]
    if amount.kind == "uniform" and amount.values[1] < minimum:
        values = [int(amount.values[1])]
    low = [v for v in values if v < minimum]
    if low:
        raise ScenarioError("amount", f"{low[0]} is below {what} ({minimum})")


def _amount(value: object, where: str = "amount") -> Amount:
    if isinstance(value, int) and not isinstance(value, bool):
        return Amount("fixed", (float(integer(value, where, 1, 10**12)),))
    if isinstance(value, float):
        raise ScenarioError(
            where, f"must be whole minor units of the currency (2999, not 29.99), got {value:g}"
        )
    if not isinstance(value, Mapping) or len(value) == 0:
        raise ScenarioError(where, "use a whole number, {min, max}, {median, spread} or {choices}")
    if "choices" in value:
        item = mapping(value, where, ("choices",), ())
        choices = []
        for i, raw in enumerate(items(item["choices"], f"{where}.choices")):
            at = f"{where}.choices[{i}]"
            choice = mapping(raw, at, ("value", "share"), ())
            choices.append(
                (
                    integer(choice["value"], f"{at}.value", 1, 10**12),
                    number(choice["share"], f"{at}.share", 0),
                )
            )
        if sum(share for _, share in choices) <= 0:
            raise ScenarioError(f"{where}.choices", "the shares must not all be 0")
        return Amount("choices", (), tuple(choices))
    if "median" in value:
        item = mapping(value, where, ("median",), ("spread",))
        median = number(item["median"], f"{where}.median", 1)
        spread = number(item.get("spread", 0.5), f"{where}.spread", 0, 3)
        return Amount("lognormal", (median, spread))
    item = mapping(value, where, ("min", "max"), ())
    low = number(item["min"], f"{where}.min", 1)
    high = number(item["max"], f"{where}.max", low)
    return Amount("uniform", (low, high))


def _countries(value: object) -> tuple[Country, ...]:
    if value is None:
        return (_DEFAULT_COUNTRY,)
    out = []
    for i, raw in enumerate(items(value, "countries")):
        at = f"countries[{i}]"
        item = mapping(raw, at, ("code", "timezone"), ("share",))
        code = text(item["code"], f"{at}.code")
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise ScenarioError(f"{at}.code", "must be a 2-letter ISO 3166 code in capitals")
        out.append(
            Country(
                code,
                timezone(item["timezone"], f"{at}.timezone"),
                number(item.get("share", 1), f"{at}.share", 0),
            )
        )
    shares(out, "countries")
    return tuple(out)


def _methods(value: object) -> tuple[MethodShare, ...]:
    out = []
    for i, raw in enumerate(items(value, "payment_methods")):
        at = f"payment_methods[{i}]"
        item = mapping(raw, at, ("type",), ("share",))
        out.append(
            MethodShare(
                text(item["type"], f"{at}.type", choices=METHODS),
                number(item.get("share", 1), f"{at}.share", 0),
            )
        )
    shares(out, "payment_methods")
    return tuple(out)


def _income(value: object) -> tuple[Income, ...]:
    if value is None:
        return (Income("monthly", 1.0, days=(1,)),)
    out = []
    for i, raw in enumerate(items(value, "income")):
        at = f"income[{i}]"
        pattern = text(
            raw.get("pattern") if isinstance(raw, Mapping) else None,
            f"{at}.pattern",
            choices=PATTERNS,
        )
        extra = {
            "monthly": ("day",),
            "twice_monthly": ("days",),
            "weekly": ("weekday",),
            "biweekly": ("weekday",),
            "irregular": ("mean_days",),
        }[pattern]
        shifts = ("business_days",) if pattern in ("monthly", "twice_monthly") else ()
        item = mapping(raw, at, ("pattern", *extra), ("share", *shifts))
        share = number(item.get("share", 1), f"{at}.share", 0)
        business = _flag(item.get("business_days", False), f"{at}.business_days")
        if pattern == "monthly":
            day = _month_day(item["day"], f"{at}.day")
            out.append(Income(pattern, share, days=(day,), business_days=business))
        elif pattern == "twice_monthly":
            raw_days = items(item["days"], f"{at}.days")
            if len(raw_days) != 2:
                raise ScenarioError(f"{at}.days", "must list exactly two days of the month")
            days = tuple(_month_day(d, f"{at}.days[{j}]") for j, d in enumerate(raw_days))
            out.append(Income(pattern, share, days=days, business_days=business))
        elif pattern in ("weekly", "biweekly"):
            out.append(Income(pattern, share, weekday=weekday(item["weekday"], f"{at}.weekday")))
        else:
            mean = number(item["mean_days"], f"{at}.mean_days", 1, 90)
            out.append(Income(pattern, share, mean_days=mean))
    shares(out, "income")
    return tuple(out)


def _month_day(value: object, where: str) -> int:
    if value == -1:
        return -1
    return integer(value, where, 1, 31)


def _balance(value: object) -> Balance:
    item = mapping(value, "balance", (), ("income_multiple", "income", "spend_share"))
    income = None
    if "income" in item:
        if "income_multiple" in item:
            raise ScenarioError(
                "balance.income", "give either income (an amount) or income_multiple, not both"
            )
        income = _amount(item["income"], "balance.income")
    return Balance(
        income=income,
        income_multiple=value_range(
            item.get("income_multiple", {"min": 0.8, "max": 6.0}), "balance.income_multiple", 0
        ),
        spend_share=value_range(
            item.get("spend_share", {"min": 0.7, "max": 1.0}), "balance.spend_share", 0, 2
        ),
    )


def _issuers(value: object) -> Issuers:
    item = mapping(
        value, "issuers", (), ("count", "outages_per_30_days", "outage_hours", "stop_links")
    )
    return Issuers(
        stop_links=_flag(item.get("stop_links", False), "issuers.stop_links"),
        count=integer(item.get("count", 20), "issuers.count", 1, 10_000),
        outages_per_30_days=number(
            item.get("outages_per_30_days", 1.0), "issuers.outages_per_30_days", 0, 100
        ),
        outage_hours=value_range(
            item.get("outage_hours", {"min": 0.5, "max": 12}), "issuers.outage_hours", 0.01, 240
        ),
    )


# Only these behaviours have a clearing moment (docs/simulator.md, failure_mix entries).
_CLEARING: Final = ("temporary_block", "upi_timeout")


def _failure_mix(
    value: object, methods: set[str], gateway: str, strict_codes: bool
) -> tuple[FailureKind, ...]:
    out = []
    for i, raw in enumerate(items(value, "failure_mix")):
        at = f"failure_mix[{i}]"
        item = mapping(
            raw,
            at,
            ("code", "share", "behaviour"),
            ("methods", "advice_code", "clears_after_hours", "never_clears_share", "willingness"),
        )
        behaviour = text(item["behaviour"], f"{at}.behaviour", choices=BEHAVIOURS)
        if "methods" in item:
            kinds = tuple(
                text(m, f"{at}.methods[{j}]", choices=METHODS)
                for j, m in enumerate(items(item["methods"], f"{at}.methods"))
            )
        else:
            kinds = DEFAULT_METHODS[behaviour]
        if not set(kinds) & methods:
            raise ScenarioError(
                f"{at}.methods",
                f"none of {', '.join(kinds)} is among payment_methods, so code "
                f"{item['code']!r} could never happen",
            )
        code = (
            check_code(item["code"], f"{at}.code", gateway)
            if strict_codes
            else text(item["code"], f"{at}.code")
        )
        advice = _advice(item, at, kinds)
        for key in ("clears_after_hours", "never_clears_share"):
            if key in item and behaviour not in _CLEARING:
                raise ScenarioError(
                    f"{at}.{key}",
                    f"only temporary_block and upi_timeout clear; a {behaviour} failure "
                    "does not use it",
                )
        out.append(
            FailureKind(
                code=code,
                share=number(item["share"], f"{at}.share", 0),
                behaviour=behaviour,
                methods=tuple(k for k in kinds if k in methods),
                advice_code=advice,
                clears_after_hours=value_range(
                    item.get("clears_after_hours", {"min": 6, "max": 96}),
                    f"{at}.clears_after_hours",
                    0,
                    24 * 60,
                ),
                never_clears_share=number(
                    item.get("never_clears_share", 0.2), f"{at}.never_clears_share", 0, 1
                ),
                willingness=(
                    number(item["willingness"], f"{at}.willingness", 0, 1)
                    if "willingness" in item
                    else None
                ),
            )
        )
    shares(out, "failure_mix")
    return tuple(out)


def _advice(item: Mapping[str, Any], at: str, kinds: tuple[str, ...]) -> str | None:
    if "advice_code" not in item:
        return None
    advice = item["advice_code"]
    if not isinstance(advice, str) or advice not in advice_codes():
        raise ScenarioError(
            f"{at}.advice_code",
            f"must be a quoted Mastercard merchant advice code, one of {', '.join(advice_codes())}",
        )
    if set(kinds) != {"mastercard_card"}:
        raise ScenarioError(
            f"{at}.methods",
            "an advice_code is Mastercard's: give this entry methods: [mastercard_card]",
        )
    return advice


def _responses(value: object) -> Responses:
    where = "responses"
    keys = (
        "reachable",
        "channels",
        "willingness",
        "daytime",
        "night_factor",
        "fatigue",
        "delay_hours",
        "opt_out",
        "willingness_half_life_days",
        "fatigue_memory_days",
    )
    item = mapping(value, where, (), keys)
    half_life = item.get("willingness_half_life_days")
    memory = item.get("fatigue_memory_days")
    reach = mapping(item.get("reachable", {}), f"{where}.reachable", (), ("email", "phone"))
    chan_raw: dict[str, Any] = mapping(
        item.get("channels", {"email": 0.45, "sms": 0.75, "whatsapp": 0.85}),
        f"{where}.channels",
        (),
        CHANNELS,
    )
    channels = {
        c: number(v, f"{where}.channels.{c}", 0, 1) for c, v in chan_raw.items() if c in CHANNELS
    }
    daytime = mapping(
        item.get("daytime", {"start": "08:00", "end": "21:00"}),
        f"{where}.daytime",
        ("start", "end"),
        (),
    )
    start = _hour(daytime["start"], f"{where}.daytime.start")
    end = _hour(daytime["end"], f"{where}.daytime.end")
    if end <= start:
        raise ScenarioError(f"{where}.daytime.end", "must be later than start")
    opt = mapping(item.get("opt_out", {}), f"{where}.opt_out", (), ("first", "per_message"))
    return Responses(
        reachable_email=number(reach.get("email", 0.95), f"{where}.reachable.email", 0, 1),
        reachable_phone=number(reach.get("phone", 0.6), f"{where}.reachable.phone", 0, 1),
        channels=channels,
        willingness=number(item.get("willingness", 0.35), f"{where}.willingness", 0, 1),
        day_start=start,
        day_end=end,
        night_factor=number(item.get("night_factor", 0.4), f"{where}.night_factor", 0, 1),
        fatigue=number(item.get("fatigue", 0.6), f"{where}.fatigue", 0, 1),
        delay_hours=value_range(
            item.get("delay_hours", {"min": 0.25, "max": 36}), f"{where}.delay_hours", 0, 48
        ),
        opt_out_first=number(opt.get("first", 0.003), f"{where}.opt_out.first", 0, 1),
        opt_out_per_message=number(
            opt.get("per_message", 0.02), f"{where}.opt_out.per_message", 0, 1
        ),
        willingness_half_life_days=(
            None
            if half_life is None
            else number(half_life, f"{where}.willingness_half_life_days", 0.1, 365)
        ),
        fatigue_memory_days=(
            None if memory is None else number(memory, f"{where}.fatigue_memory_days", 1, 3650)
        ),
    )


def _hour(value: object, where: str) -> int:
    match = _HOUR.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ScenarioError(where, 'must be a whole hour written "HH:00"')
    return int(match[1])


def _fees(value: object, currency: str) -> Fees:
    item = mapping(value, "fees", (), ("per_attempt", "per_message", "usd_cent"))
    per: dict[str, Any] = mapping(item.get("per_attempt", {}), "fees.per_attempt", (), METHODS)
    sends: dict[str, Any] = mapping(item.get("per_message", {}), "fees.per_message", (), CHANNELS)
    default_cent = 88.0 if currency == "INR" else 1.0
    return Fees(
        per_attempt={m: integer(v, f"fees.per_attempt.{m}", 0, 10**9) for m, v in per.items()},
        per_message={c: number(v, f"fees.per_message.{c}", 0, 10**9) for c, v in sends.items()},
        usd_cent=number(item.get("usd_cent", default_cent), "fees.usd_cent", 0),
    )
