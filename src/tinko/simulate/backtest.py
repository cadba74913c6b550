"""Backtesting: the simulator's comparison on an organisation's own failures.

The failures come from the database (`--org`: the org's `payment_failed` events) or from a CSV
export of failed payments (Stripe's or Razorpay's column names, matched loosely). From them we
derive the calibration: how many failures over how many days, the amounts, the currency, the
payment methods and networks, and the decline mix. Each code's behaviour in the world is
inferred from the classifier's category (we cannot know the issuer's hidden truth from an
export); everything else (incomes, outages, responses) keeps the documented defaults.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.kit.money import is_known_currency
from tinko.payments.models import PaymentEvent, Transaction
from tinko.simulate.export_amounts import AmountTooLarge, AmountUnits, file_units, minor_amount
from tinko.simulate.export_columns import FLAVOURS, Columns
from tinko.simulate.export_date_formats import check_date_format, suggested_format
from tinko.simulate.export_dates import DateOutOfRange, read_day, slash_order
from tinko.simulate.export_errors import BacktestError as BacktestError
from tinko.simulate.export_file import export_rows
from tinko.simulate.export_keys import key
from tinko.simulate.export_methods import simulated_method
from tinko.simulate.minimums import minimum_charge
from tinko.simulate.scenario import GATEWAYS
from tinko.simulate.scenario_codes import canonical_code

# Statuses, folded like headers. A failed row must have a code; a row with a code and any
# status that is not a known success (Stripe's "Blocked", Adyen's "Refused"…) is a failure
# too. Stripe's statuses: https://docs.stripe.com/api/charges/object (`status`, `refunded`,
# `disputed`); Razorpay's: https://razorpay.com/docs/payments/payments/ ("Payment Life Cycle").
_FAILED: Final = frozenset({"failed", "declined", "requires_payment_method", "canceled", ""})
_SUCCEEDED: Final = frozenset(
    {"paid", "succeeded", "captured", "authorized", "refunded", "partially_refunded"} | {"disputed"}
)


@dataclass(frozen=True, slots=True)
class FailedPayment:
    code: str
    amount_minor: int
    currency: str
    method: str  # one of the scenario's payment methods
    at: date


@dataclass(slots=True)
class Export:
    """What a CSV export held: the failures to learn from and whose export it was."""

    failures: list[FailedPayment]
    gateway: str | None  # stripe | razorpay, from the columns; None when they do not say
    skipped_methods: int  # failed rows on methods the world cannot simulate
    bad_rows: dict[str, list[str]] = field(default_factory=dict)  # reason -> "FILE:LINE: …"
    rows_read: int = 0  # data rows, blank lines aside
    left_out: Counter[str] = field(default_factory=Counter)  # method -> failures left out
    unknown_codes: list[str] = field(default_factory=list)  # "FILE:LINE: 'code'", kept
    # "FILE:LINE: '2001 Insufficient Funds' read as insufficient_funds": codes read in words
    worded_codes: list[str] = field(default_factory=list)
    amount_units: AmountUnits | None = None  # how the file's amounts were read (None: stored)

    def leave_out(self, method: str) -> None:
        self.skipped_methods += 1
        self.left_out[key(method) or "unknown"] += 1

    def bad(self, reason: str, where: str) -> None:
        self.bad_rows.setdefault(reason, []).append(where)


def read_csv(path: Path) -> list[FailedPayment]:
    return read_export(path).failures


def read_export(
    path: Path,
    date_format: str | None = None,
    gateway: str | None = None,
    amount_units: str | None = None,
) -> Export:
    """``gateway`` (`--gateway`), when it is Stripe or Razorpay, says whose export it is;
    otherwise the columns tell. ``amount_units`` (`--amount-units`: major or minor) says how
    the amounts are written; otherwise the file tells (``export_amounts.file_units``)."""
    if date_format is not None:
        check_date_format(date_format)
    try:
        return _read_rows(path, export_rows(path), date_format, (gateway, amount_units))
    except OSError as exc:
        raise BacktestError(f"{path}: cannot read: {exc.strerror}") from None
    except csv.Error as exc:
        raise BacktestError(f"{path}: not a readable CSV file: {exc}") from None


@dataclass(frozen=True, slots=True)
class _Kept:
    where: str
    code: str
    known: str | None  # as the classifier's tables spell it, or read from the row's words
    currency: str
    method: str
    created: str
    amount: str


def _read_rows(
    path: Path,
    reader: Iterator[list[str]],
    date_format: str | None,
    given: tuple[str | None, str | None],  # --gateway, --amount-units
) -> Export:
    header = next(reader, None)
    if header is None:
        raise BacktestError(f"{path}: the file is empty")
    columns = Columns(path, header)
    flavour = given[0] if given[0] in FLAVOURS else columns.flavour()
    gateway = flavour or "stripe"
    export = Export([], flavour, 0)
    kept: list[_Kept] = []
    first_seen: dict[str, int] = {}  # payment id -> line
    line_num = getattr(reader, "line_num", 1)
    for row in reader:
        # The row starts on the line after the previous row ended: a quoted field may span
        # several lines.
        line, line_num = line_num + 1, getattr(reader, "line_num", line_num + 1)
        if not any(cell.strip() for cell in row):
            continue
        export.rows_read += 1
        where = f"{path}:{line}"
        if (payment := columns.cell(row, "id")) in first_seen:
            # The same export pasted twice: each payment counts once.
            export.bad(
                DUPLICATE, f"{where}: {payment} was already read on line {first_seen[payment]}"
            )
            continue
        if payment:
            first_seen[payment] = line
        code = columns.code(row, gateway)
        # A code the classifier does not know, or none: what it reads in the row's words.
        known = canonical_code(gateway, code) if code else None
        reading = None if known else columns.reading(row, code, gateway)
        worded = reading[0] if reading else None
        code = code or worded or ""
        status = key(columns.cell(row, "status"))
        if status in _SUCCEEDED or (status not in _FAILED and not code):
            continue  # a successful (or refunded, pending) payment: not a failure
        if not code:
            # Nothing says why it failed: reported, not guessed (a retry plan depends on it).
            message = columns.seller_message(row)
            detail = f" (Seller Message: {message!r})" if message else ""
            export.bad("no decline code", f"{where}: a failed payment without a code{detail}")
            continue
        method = simulated_method(columns.cell(row, "method"), columns.cell(row, "network"))
        if method is None:
            export.leave_out(columns.cell(row, "method"))
            continue
        if reading:
            export.worded_codes.append(f"{where}: {reading[1]!r} read as {reading[0]}")
        kept.append(
            _Kept(
                where,
                code,
                known or worded,
                columns.cell(row, "currency"),
                method,
                columns.cell(row, "created"),
                columns.cell(row, "amount"),
            )
        )
    order = None if date_format else slash_order(k.created for k in kept)
    amounts = ((k.amount, k.currency, k.where) for k in kept)
    units = file_units(given[1], flavour, columns.named["amount"], amounts)
    export.amount_units = units
    dated: list[tuple[str, FailedPayment]] = []
    unreadable: list[str] = []  # the values no reading understood
    first_unreadable, readable = 0, 0  # its place among the bad date rows; dates read
    for k in kept:
        currency = k.currency.upper()
        if not is_known_currency(currency):
            export.bad("currency", f"{k.where}: {k.currency!r} is not an ISO 4217 code")
            continue
        if not k.created:
            export.bad("no date", f"{k.where}: the date is empty")
            continue
        try:
            at = read_day(k.created, order, date_format, columns.zone)
            readable += 1
        except DateOutOfRange as exc:
            export.bad("date", f"{k.where}: {k.created!r}: {exc}")
            continue
        except ValueError:
            if not unreadable:
                first_unreadable = len(export.bad_rows.get("date", []))
            unreadable.append(k.created)
            matched = f"does not match --date-format {date_format!r}" if date_format else ""
            export.bad("date", f"{k.where}: {k.created!r} {matched or 'is not readable'}")
            continue
        try:
            amount = minor_amount(k.amount, currency, units.units, k.where)
        except AmountTooLarge as exc:
            export.bad(AMOUNT_TOO_LARGE, str(exc))
            continue
        except BacktestError as exc:
            export.bad("amount", str(exc))
            continue
        if amount < minimum_charge(gateway, currency):
            export.bad("amount", f"{k.where}: {k.amount} is below {gateway}'s minimum charge")
            continue
        if k.known is None:  # kept: it behaves as a temporary block
            export.unknown_codes.append(f"{k.where}: {k.code!r}")
        failure = FailedPayment(k.known or k.code, amount, currency, k.method, at)
        dated.append((k.where, failure))
    if not date_format and len(unreadable) > readable:
        _suggest_date_format(export, unreadable[0], first_unreadable)
    _keep_newest_year(export, dated)
    return export


def _suggest_date_format(export: Export, value: str, at: int) -> None:
    """Most dates were unreadable: the first bad date row (the first the report prints) says
    which --date-format would read them, guessed from the first unreadable value."""
    layout = suggested_format(value)
    example = (
        f"e.g. {layout!r} for {value!r}"
        if layout
        else f"a strptime format that reads {value!r} (such as '%d.%m.%Y %H:%M')"
    )
    export.bad_rows["date"][at] += f"; most dates are unreadable: give --date-format, {example}"


DUPLICATE: Final = "duplicate payment id"
AMOUNT_TOO_LARGE: Final = "amount too large"
# A simulated world spans at most 366 days (docs/simulator.md, `days`): an export covering
# more is simulated on its newest year of failures, the older ones reported.
YEAR_DAYS: Final = 366
OLDER_THAN_A_YEAR: Final = f"older than the newest {YEAR_DAYS} days"


def _keep_newest_year(export: Export, dated: list[tuple[str, FailedPayment]]) -> None:
    if not dated:
        return
    newest = max(f.at for _, f in dated)
    first = newest - timedelta(days=YEAR_DAYS - 1)
    for where, failure in dated:
        if failure.at < first:
            export.bad(
                OLDER_THAN_A_YEAR,
                f"{where}: {failure.at} is before {first}, {YEAR_DAYS} days before the "
                f"newest failure ({newest})",
            )
        else:
            export.failures.append(failure)


def failed_amounts(export: Export) -> dict[str, int]:
    """The kept failures' total amount per currency, in minor units, most failures first."""
    totals: Counter[str] = Counter()
    counts = Counter(f.currency for f in export.failures)
    for failure in export.failures:
        totals[failure.currency] += failure.amount_minor
    return {currency: totals[currency] for currency, _ in counts.most_common()}


def input_summary(export: Export, examples: int = 3) -> dict[str, object]:
    """What the input held and what was left out, for `--json` (its ``input`` object)."""
    return {
        "rows_read": export.rows_read,
        "failures_kept": len(export.failures),
        "skipped": {
            reason: {"count": len(rows), "examples": rows[:examples]}
            for reason, rows in sorted(export.bad_rows.items())
        },
        "left_out_methods": dict(export.left_out.most_common()),
        "failed_amounts": failed_amounts(export),
        "unknown_codes": {
            "count": len(export.unknown_codes),
            "examples": export.unknown_codes[:examples],
        },
        "worded_codes": {
            "count": len(export.worded_codes),
            "examples": export.worded_codes[:examples],
        },
        "amount_units": None
        if (units := export.amount_units) is None
        else {"read_as": units.units, "because": units.because, "guessed": units.guessed},
    }


def read_org(session: Session, org_id: str) -> Export:
    """Each transaction's first failure: later ones on the same transaction are retries (ours
    or the PSP's), which the simulation makes itself."""
    rows = session.execute(
        select(PaymentEvent, Transaction)
        .join(Transaction, Transaction.id == PaymentEvent.transaction_id)
        .where(
            PaymentEvent.org_id == org_id,
            Transaction.org_id == org_id,
            PaymentEvent.kind == "payment_failed",
        )
        .order_by(PaymentEvent.occurred_at, PaymentEvent.id)
    ).all()
    dated: list[tuple[str, FailedPayment]] = []
    gateways: Counter[str] = Counter()
    seen: set[str] = set()
    export = Export([], None, 0)
    for event, txn in rows:
        if txn.id in seen:
            continue
        seen.add(txn.id)
        stored = event.payment_method_type or txn.payment_method_type or ""
        if txn.gateway == "stripe" and stored == "netbanking":  # Stripe's us_bank_account
            stored = "us_bank_account"
        method = simulated_method(stored, txn.card_network or "")
        if method is None:
            export.leave_out(stored)
            continue
        gateways[txn.gateway] += 1
        dated.append(
            (
                f"event {event.id}",
                FailedPayment(
                    code=event.decline_code
                    or event.failure_code
                    or event.network_decline_code
                    or "unknown",
                    amount_minor=event.amount_minor,
                    currency=event.currency,
                    method=method,
                    at=event.occurred_at.date(),
                ),
            )
        )
    known = [g for g, _ in gateways.most_common() if g in GATEWAYS]
    export.gateway = known[0] if known else None
    _keep_newest_year(export, dated)
    return export
