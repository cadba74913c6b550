"""The dashboard's charts as tables: each chart is drawn (by the console script) from the same
rows the HTML table shows, so the table is the chart's text alternative and its no-script
form. Built from the analytics reports' JSON, for one currency."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from tinko.console.labels import (
    CATEGORY_NAMES,
    CHANNEL_NAMES,
    RAIL_NAMES,
    RECOVERED_BY_NAMES,
    name_of,
)
from tinko.kit.money import minor_unit_exponent
from tinko.pages.i18n import N_

Json = dict[str, Any]
# Hours after the first failure at which the Kaplan-Meier curve is read off (1 h to 30 days).
CURVE_HOURS: Final = (1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 240, 336, 504, 720)


@dataclass(frozen=True)
class Column:
    label: str  # N_ message id
    unit: str  # money | count | rate | hours
    plotted: bool = True


@dataclass(frozen=True)
class Row:
    label: str  # already a display value, or an N_ id when `translate`
    values: list[float | int | None]
    provisional: bool = False
    translate: bool = False


@dataclass(frozen=True)
class Chart:
    key: str
    title: str  # N_
    description: str  # N_: what the chart shows, read by screen readers with the canvas
    kind: str  # bar | stacked | hbar | line
    row_header: str  # N_: the first column's heading
    columns: list[Column]
    rows: list[Row]
    currency: str
    notes: list[str] = field(default_factory=list)  # N_ ids shown under the chart

    @property
    def exponent(self) -> int:
        return minor_unit_exponent(self.currency)

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def has_provisional(self) -> bool:
        return any(row.provisional for row in self.rows)


def recovered_over_time(days: list[Json], currency: str) -> Chart:
    """`days`: [{date, by: {psp_retry: amount, ...}, provisional}] from the dashboard query."""
    columns = [Column(RECOVERED_BY_NAMES[how], "money") for how in RECOVERED_BY_NAMES]
    rows = [
        Row(day["date"], [day["by"].get(how, 0) for how in RECOVERED_BY_NAMES], day["provisional"])
        for day in days
    ]
    return Chart(
        "recovered_over_time",
        N_("Recovered over time, by how it was recovered"),
        N_(
            "Stacked bars: the amount recovered for the payments that first failed on each "
            "day, split into Tinko's retries, payer links and payments made outside Tinko."
        ),
        "stacked",
        N_("Day of first failure"),
        columns,
        rows,
        currency,
        [N_("Days marked provisional still have payments inside their recovery window.")],
    )


def _rates(report: Json, key: str, names: dict[str, str], currency: str) -> list[Row]:
    rows = []
    for entry in report["data"]:
        totals = entry["by_currency"].get(currency)
        if totals is None:
            continue
        rows.append(
            Row(
                name_of(names, entry[key]),
                [
                    totals["recovery_rate_count"],
                    totals["failed_count"],
                    totals["recovered_count"],
                    totals["recovery_rate_amount"],
                ],
                totals["provisional"],
                translate=True,
            )
        )
    return rows


_RATE_COLUMNS: Final = [
    Column(N_("Recovery rate (count)"), "rate"),
    Column(N_("Failed payments"), "count", plotted=False),
    Column(N_("Recovered"), "count", plotted=False),
    Column(N_("Recovery rate (amount)"), "rate", plotted=False),
]


def by_category(report: Json, currency: str) -> Chart:
    return Chart(
        "by_category",
        N_("By decline category"),
        N_("Horizontal bars: the share of failed payments recovered, for each decline reason."),
        "hbar",
        N_("Decline category"),
        _RATE_COLUMNS,
        _rates(report, "category", CATEGORY_NAMES, currency),
        currency,
    )


def by_rail(report: Json, currency: str) -> Chart:
    return Chart(
        "by_rail",
        N_("By payment rail"),
        N_("Bars: the share of failed payments recovered on each rail (card, UPI AutoPay, …)."),
        "bar",
        N_("Rail"),
        _RATE_COLUMNS,
        _rates(report, "rail", RAIL_NAMES, currency),
        currency,
    )


def by_channel(report: Json, currency: str) -> Chart:
    rows = [
        Row(
            name_of(CHANNEL_NAMES, entry["channel"]),
            [entry["recovered_count"], entry["attempts"], entry["recovered_per_attempt"]],
            translate=True,
        )
        for entry in report["data"]
        if entry["attempts"] or entry["recovered_count"]
    ]
    return Chart(
        "by_channel",
        N_("By channel"),
        N_(
            "Bars: payments recovered by a retry, or through a link sent by email, SMS or "
            "WhatsApp, with the attempts made on each channel."
        ),
        "bar",
        N_("Channel"),
        [
            Column(N_("Recovered"), "count"),
            Column(N_("Attempts"), "count", plotted=False),
            Column(N_("Recovered per attempt"), "rate", plotted=False),
        ],
        rows,
        currency,
    )


def by_attempt(report: Json, currency: str) -> Chart:
    rows = [
        Row(str(entry["attempt"]), [entry["rate"], entry["tried"], entry["succeeded"]])
        for entry in report["data"]
    ]
    return Chart(
        "by_attempt",
        N_("Success by retry number"),
        N_("Bars: the share of retries that succeeded, for the first, second, third retry…"),
        "bar",
        N_("Retry number"),
        [
            Column(N_("Success rate"), "rate"),
            Column(N_("Tried"), "count", plotted=False),
            Column(N_("Succeeded"), "count", plotted=False),
        ],
        rows,
        currency,
    )


def share_at(steps: list[Json], hours: int) -> float:
    """The Kaplan-Meier curve (a step function) read at `hours`."""
    share = 0.0
    for step in steps:
        if step["hours"] > hours:
            break
        share = step["recovered_share"]
    return share


def time_to_recover(report: Json, currency: str) -> Chart:
    steps = report["data"]
    rows = [Row(str(hours), [share_at(steps, hours)]) for hours in CURVE_HOURS] if steps else []
    return Chart(
        "time_to_recover",
        N_("Time to recover"),
        N_(
            "A stepped line (Kaplan-Meier): the share of failed payments recovered by each "
            "number of hours after the first failure; payments still open count until now."
        ),
        "line",
        N_("Hours after the first failure"),
        [Column(N_("Share recovered"), "rate")],
        rows,
        currency,
    )
