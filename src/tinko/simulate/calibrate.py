"""The backtest's worlds: a scenario calibrated on an export's (or an org's) failures.

One world per currency: amounts in different currencies are never summed, compared or mixed in
one world (a world has one currency, its minimum charge and its fees), so a file holding USD and
JPY failures gives two worlds, simulated and reported side by side.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Final

from tinko.classifier import DeclineSignal, classify
from tinko.policies.paydays import pay_calendar_key
from tinko.simulate.backtest import BacktestError, FailedPayment
from tinko.simulate.scenario import Scenario, ScenarioError
from tinko.simulate.scenario_read import read_document

# Classifier category → how the world makes that code behave.
BEHAVIOUR_OF: Final[Mapping[str, str]] = {
    "insufficient_funds": "funds",
    "limit_exceeded": "funds",
    "do_not_honor": "temporary_block",
    "processing_error": "temporary_block",
    "unknown": "temporary_block",
    "suspected_fraud": "lost_stolen",
    "issuer_unavailable": "issuer_outage",
    "expired_card": "expired_card",
    "invalid_card_data": "expired_card",
    "lost_stolen_fraud": "lost_stolen",
    "account_closed": "lost_stolen",
    "not_permitted": "lost_stolen",
    "authentication_required": "authentication",
    "upi_pending_timeout": "upi_timeout",
    "mandate_revoked": "mandate_revoked",
    "duplicate": "lost_stolen",
}
# The classifier's payment_method_type for each world method.
_KIND: Final[Mapping[str, str]] = {
    "upi_autopay": "upi",
    "emandate": "emandate",
    "ach_debit": "ach_debit",
    "sepa_debit": "sepa_debit",
}


def by_currency(failures: Iterable[FailedPayment]) -> list[tuple[str, list[FailedPayment]]]:
    """The failures grouped by currency, the most frequent first (ties: alphabetical)."""
    groups: dict[str, list[FailedPayment]] = {}
    for failure in failures:
        groups.setdefault(failure.currency, []).append(failure)
    return sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))


def calibrated_scenarios(
    name: str,
    failures: Iterable[FailedPayment],
    gateway: str,
    *,
    merchant_tz: str | None = None,
    customer_tz: str | None = None,
    paydays: str | None = None,
) -> list[Scenario]:
    """One calibrated world per currency, the most frequent first. A single currency keeps
    ``name``; several name each world ``<name>-<currency>`` (``backtest-x-usd``)."""
    groups = by_currency(failures)
    if not groups:
        raise BacktestError("no failed payments with a decline code to learn from")
    several = len(groups) > 1
    return [
        calibrated_scenario(
            f"{name}-{currency.lower()}" if several else name,
            rows,
            gateway,
            merchant_tz=merchant_tz,
            customer_tz=customer_tz,
            paydays=paydays,
        )
        for currency, rows in groups
    ]


# A currency that names a single pay calendar names the customers' country
# (src/tinko/policies/data/pay_calendars.yaml: INR -> IN, BRL -> BR...); the euro's calendar
# is France's (both pay on the 1st and the last day), so EUR customers are French.
_EURO_COUNTRY: Final = "FR"


def customers_country(currency: str, gateway: str) -> str:
    """The country of a currency's customers; else India on Razorpay, the US elsewhere."""
    key = pay_calendar_key(None, None, currency)
    if key == "EUR":
        return _EURO_COUNTRY
    if len(key) == 2 and key.isalpha() and key.isupper():
        return key
    return "IN" if gateway == "razorpay" else "US"


def paydays_income(text: str) -> list[dict[str, Any]]:
    """``--paydays``: '1', '1,15', '-1', 'weekly:fri' or 'biweekly:fri' as income patterns."""
    spec = text.strip().lower()
    if ":" in spec:
        pattern, _, weekday = spec.partition(":")
        if pattern not in ("weekly", "biweekly"):
            raise BacktestError(f"--paydays: {text!r}: use weekly:DAY or biweekly:DAY")
        return [{"pattern": pattern, "weekday": weekday}]
    try:
        days = [int(part) for part in spec.split(",")]
    except ValueError:
        raise BacktestError(f"--paydays: {text!r} is not a list of days of the month") from None
    if any(not (1 <= day <= 31 or day == -1) for day in days):
        raise BacktestError(f"--paydays: {text!r}: days are 1 to 31, or -1 for the last day")
    if len(days) == 1:
        return [{"pattern": "monthly", "day": days[0]}]
    if len(days) == 2:
        return [{"pattern": "twice_monthly", "days": days}]
    raise BacktestError(f"--paydays: {text!r}: give one or two days of the month")


def calibrated_scenario(
    name: str,
    failures: Iterable[FailedPayment],
    gateway: str,
    *,
    merchant_tz: str | None = None,
    customer_tz: str | None = None,
    paydays: str | None = None,
) -> Scenario:
    """A world with the same count, days, amounts, methods and decline mix as ``failures``,
    which must all be in one currency (`calibrated_scenarios` splits a file by currency)."""
    rows = list(failures)
    if not rows:
        raise BacktestError("no failed payments with a decline code to learn from")
    currencies = sorted({r.currency for r in rows})
    if len(currencies) > 1:
        raise BacktestError(f"one world per currency: got {', '.join(currencies)}")
    currency = currencies[0]
    start, end = min(r.at for r in rows), max(r.at for r in rows)
    methods = Counter(r.method for r in rows)
    mix: Counter[tuple[str, str]] = Counter()
    for r in rows:
        mix[(r.code, r.method)] += 1
    mix_doc: list[dict[str, Any]] = []
    for (code, method), count in sorted(mix.items()):
        kind = _KIND.get(method, "card")
        category = classify(
            DeclineSignal(gateway=gateway, decline_code=code, payment_method_type=kind)
        ).category
        mix_doc.append(
            {
                "code": code,
                "share": count,
                "behaviour": BEHAVIOUR_OF.get(category, "temporary_block"),
                "methods": [method],
            }
        )
    amounts = Counter(r.amount_minor for r in rows)
    doc = {
        "name": name,
        "currency": currency,
        "gateway": gateway,
        "start": start,
        "days": max(1, (end - start).days + 1),
        "failures": len(rows),
        "amount": {"choices": [{"value": v, "share": c} for v, c in sorted(amounts.items())]},
        "payment_methods": [{"type": m, "share": c} for m, c in sorted(methods.items())],
        "failure_mix": mix_doc,
    }
    if merchant_tz is not None:
        doc["merchant_timezone"] = merchant_tz
    # The customers live in the merchant's zone unless told otherwise, in the country the
    # currency names (their pay calendar and India's rules follow it).
    doc["countries"] = [
        {
            "code": customers_country(currency, gateway),
            "timezone": customer_tz or merchant_tz or "UTC",
        }
    ]
    if paydays is not None:
        doc["income"] = paydays_income(paydays)
    try:
        return read_document(doc, strict_codes=False)
    except ScenarioError as exc:
        flags = {"merchant_timezone": "--merchant-tz", "countries": "--customer-tz"}
        flag = next((f for key, f in flags.items() if exc.where.startswith(key)), None)
        flag = flag or ("--paydays" if exc.where.startswith("income") else None)
        if flag is not None:
            raise BacktestError(f"{flag}: {exc.problem}") from None
        # Not the merchant's doing: the reader should have kept such rows out.
        raise BacktestError(f"cannot simulate these failures: {exc.problem}") from None
