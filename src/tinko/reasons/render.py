"""A reason as one sentence in English, Hindi or Tamil.

The English sentences below are the msgids of the ``reasons`` Babel catalog in ``locale/``
(``reasons.pot`` and the hi/ta ``reasons.po``), compiled in memory when first used, as the
payer page's catalog is. Params are formatted for the reader: moments in the time zone given
(the org's) or the one the reason names, money with ``kit.money.format_money``, durations and
percentages by Babel in the reader's locale, codes (category, channel, status) as words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_percent
from babel.support import NullTranslations, Translations
from babel.units import format_unit

from tinko.kit.money import format_money
from tinko.reasons.codes import MOMENTS, PARAMS, ReasonCode, is_reason

LANGUAGES: Final = ("en", "hi", "ta")
LOCALE_DIR: Final = Path(__file__).parent / "locale"
DOMAIN: Final = "reasons"
# Babel locales: Indian digit grouping and dates for all three languages.
_BABEL: Final = {"en": "en_IN", "hi": "hi_IN", "ta": "ta_IN"}

C = ReasonCode
SENTENCES: Final[Mapping[ReasonCode, str]] = {
    C.PLANNED_BY_POLICY: "Retry %(number)s (%(category)s) was planned by %(by)s for %(at)s, "
    "%(delay)s after the last try.",
    C.PLANNED_ON_PAYDAY: "Retry %(number)s (%(category)s) was planned by %(by)s for the next "
    "payday, %(at)s, when balances are usually topped up.",
    C.PLANNED_ON_CALENDAR_PAYDAY: "Retry %(number)s (%(category)s) was planned by %(by)s for "
    "%(at)s, %(pattern)s in the pay calendar of %(calendar)s, when balances are usually topped up.",
    C.PLANNED_BY_RULE: "Retry %(number)s (%(category)s) was planned by %(by)s for %(at)s, "
    "%(delay)s after the last try.",
    C.PLANNED_AFTER_COOLDOWN: "Retry %(number)s (%(category)s) was planned by %(by)s for "
    "%(at)s: after this kind of decline, a retry must wait %(delay)s from the failure.",
    C.PLANNED_AFTER_OUTAGE: "Retry %(number)s (%(category)s) was planned by %(by)s for %(at)s, "
    "%(delay)s after the last try met a bank outage; that try does not count against the "
    "retries.",
    C.PLANNED_LAST_CHANCE: "Retry %(number)s (%(category)s) was planned by %(by)s for %(at)s, "
    "in the last hours of the recovery window (it ends %(expires_at)s): the schedule's next "
    "moment comes after the window, and a last try at its end still has a chance.",
    C.PLANNED_SPREAD_IN_WINDOW: "Retry %(number)s (%(category)s) was planned by %(by)s for "
    "%(at)s: no payday is left before the recovery window ends (%(expires_at)s), so the "
    "%(retries_left)s retries left are spread evenly over the rest of it.",
    C.PLANNED_SPREAD_UNKNOWN: "Retry %(number)s (%(category)s) was planned by %(by)s for "
    "%(at)s: nothing in the decline says when it clears, so the %(retries_left)s retries left "
    "are spread evenly until the recovery window ends (%(expires_at)s).",
    C.PLANNED_LEARNED_SLOT: "Retry %(number)s (%(category)s) was planned by %(by)s for %(at)s, "
    "in slot %(slot)s learned from this organisation's own retries (%(successes)s of "
    "%(tries)s succeeded there).",
    C.SHIFTED_TO_WINDOW: "Retry %(number)s (%(category)s, %(by)s) was moved from %(from)s to "
    "%(to)s to fall within %(window)s (%(timezone)s).",
    C.SHIFTED_BY_NETWORK_RULE: "Retry %(number)s (%(category)s, %(by)s) was moved from "
    "%(from)s to %(to)s: the %(network)s rule %(rule)s allows no earlier attempt on this payment "
    "method.",
    C.RETRY_NOW_BY_MERCHANT: "The merchant asked for this retry now (%(at)s).",
    C.HELD_BACK_CHARGE_IN_FLIGHT: "This retry waits until %(until)s: another charge of this "
    "recovery is still with the payment provider.",
    C.HELD_BACK_SPACING: "This retry waits until %(until)s: a charge was sent on this payment "
    "method less than %(spacing)s ago.",
    C.HELD_BACK_ISSUER_DOWN: "This retry waits until %(until)s: a payment with the same card "
    "issuer (%(issuer)s) met an outage at %(seen_at)s and none has been approved by it since.",
    C.LINK_BY_RULE: "A payment link goes by %(channel)s at %(at)s, as %(by)s asks.",
    C.LINK_HARD_DECLINE: "A payment link goes by %(channel)s at %(at)s: this decline "
    "(%(category)s) must not be retried on the same card, so the customer must pay another way.",
    C.LINK_NO_SAVED_METHOD: "A payment link goes by %(channel)s at %(at)s: there is no saved "
    "payment method to retry, so the customer must pay.",
    C.LINK_CUSTOMER_ONLY_POLICY: "A payment link goes by %(channel)s at %(at)s: %(by)s does "
    "not retry silently, it asks the customer to pay.",
    C.LINK_AFTER_RETRIES: "A payment link goes by %(channel)s at %(at)s: %(by)s sends a link "
    "after failed retries (failed so far: %(retries)s).",
    C.LINK_RETRIES_OVER: "A payment link goes by %(channel)s at %(at)s: the silent retries of "
    "%(by)s are over.",
    C.REMINDER: "A reminder goes by %(channel)s at %(at)s, at least %(gap)s after the last "
    "message (%(previous_at)s).",
    C.SHIFTED_QUIET_HOURS: "The %(channel)s message was moved from %(from)s to %(to)s: no "
    "messages during quiet hours, %(quiet_start)s to %(quiet_end)s (%(timezone)s).",
    C.LINK_SENT_BY_MERCHANT: "The merchant asked for a payment link to be sent by %(channel)s.",
    C.BLOCKED_BY_NETWORK_RULE: "Not sent: the %(network)s rule %(rule)s holds this payment "
    "method back until %(until)s.",
    C.SKIPPED_OPTED_OUT: "Not sent: the customer opted out of %(channel)s messages.",
    C.SKIPPED_NO_CONTACT: "Not sent: there is no usable %(channel)s contact for the customer.",
    C.SKIPPED_FREQUENCY_CAP: "Not sent: the customer already got %(limit)s messages in the "
    "last %(window)s.",
    C.SKIPPED_NOT_RENDERED: "Not sent: the %(channel)s message could not be written from its "
    "template.",
    C.CANCELLED_BY_MERCHANT: "Cancelled: the merchant stopped this recovery.",
    C.CANCELLED_RECOVERED: "Cancelled: the payment was recovered through %(source)s.",
    C.CANCELLED_CASE_CLOSED: "Cancelled: this recovery is already %(status)s.",
    C.HOLDOUT: "This customer is in the holdout group (%(percent)s of customers): Tinko sends "
    "no retries and no messages, to measure the uplift.",
    C.HARD_DECLINE_NO_RETRY: "Closed: this decline (%(category)s) must not be retried, and "
    "there is no way to reach the customer.",
    C.RETRIES_EXHAUSTED: "Closed: all retries allowed by %(by)s were used (%(retries)s).",
    C.WINDOW_ENDED: "Closed: nothing more can be tried before the recovery window ends on "
    "%(expires_at)s.",
    C.STOPPED_BY_RULE: "Closed: %(by)s says to stop.",
    C.RECOVERED: "Recovered: %(amount)s was paid through %(source)s on %(at)s.",
}
# A network block that never ends has no date to name.
BLOCKED_FOREVER: Final = (
    "Not sent: the %(network)s rule %(rule)s allows no more attempts on this payment method."
)
# "Who planned it", a noun phrase inside the sentences above.
BY_POLICY: Final = "policy “%(name)s” (version %(version)s)"
BY_DEFAULT_POLICY: Final = "the built-in policy “%(name)s”"
BY_RULE: Final = "rule “%(name)s” (version %(version)s)"
UNKNOWN_PLANNER: Final = "the retry policy"
NO_NUMBER: Final = "—"

CATEGORIES: Final = {
    "insufficient_funds": "insufficient funds",
    "do_not_honor": "declined by the bank",
    "expired_card": "expired card",
    "invalid_card_data": "wrong card details",
    "lost_stolen_fraud": "lost or stolen card",
    "authentication_required": "authentication needed",
    "limit_exceeded": "limit reached",
    "issuer_unavailable": "bank unavailable",
    "processing_error": "processing error",
    "not_permitted": "payment not permitted",
    "account_closed": "account closed",
    "suspected_fraud": "suspected fraud",
    "duplicate": "duplicate payment",
    "upi_pending_timeout": "UPI payment timed out",
    "mandate_revoked": "mandate revoked",
    "unknown": "unknown decline",
}
CHANNELS: Final = {"email": "email", "sms": "SMS", "whatsapp": "WhatsApp"}
STATUSES: Final = {
    "recovered": "recovered",
    "exhausted": "exhausted",
    "cancelled": "cancelled",
    "expired": "expired",
    "pending": "pending",
    "scheduled": "scheduled",
    "in_progress": "in progress",
}
# How a payment came back (recovery.lifecycle.recovered_by).
SOURCES: Final = {
    "psp_retry": "a Tinko retry",
    "payer_link": "the payment page",
    "outside": "a payment outside Tinko",
}
WINDOWS: Final = {
    "anytime": "any time of day",
    "business_hours": "business hours",
    "weekdays": "weekdays",
    "custom": "the policy's retry hours",
    "npci_non_peak": "NPCI non-peak hours for mandates",
}
# How a pay calendar's day was chosen (policies.paydays), and calendars that are no country.
PAY_PATTERNS: Final = {
    "monthly": "a monthly pay date",
    "weekly": "a weekly or fortnightly payday",
    # decision 0021: a mandate retries once per pay event, on its last day
    "pay_event": "the last of the paydays that fall together (a mandate is retried once per "
    "payday)",
}
PAY_CALENDARS: Final = {"EUR": "the euro area", "default": "common paydays"}
# Networks are proper names, the same in every language.
NETWORKS: Final = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "upi_autopay": "UPI AutoPay",
    "emandate": "e-NACH",
    "ach_debit": "ACH",
    "sepa_debit": "SEPA",
    "bacs_debit": "Bacs",
}
GENERIC: Final = "No reason was recorded for this step."

# Every msgid of the catalog, for the catalog's tests and for extraction.
MESSAGES: Final = frozenset(
    {
        *SENTENCES.values(),
        BLOCKED_FOREVER,
        BY_POLICY,
        BY_DEFAULT_POLICY,
        BY_RULE,
        UNKNOWN_PLANNER,
        *CATEGORIES.values(),
        *CHANNELS.values(),
        *STATUSES.values(),
        *SOURCES.values(),
        *WINDOWS.values(),
        *PAY_PATTERNS.values(),
        *PAY_CALENDARS.values(),
        GENERIC,
    }
    - {"SMS", "WhatsApp"}  # brand names, not translated
)


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> NullTranslations:
    if language == "en":
        return NullTranslations()
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def explain(reason: Mapping[str, Any] | None, lang: str, *, timezone: str | None = None) -> str:
    """One sentence in ``lang`` (en, hi or ta; anything else reads as English) saying why.

    ``timezone`` is the reader's (the org's); a reason that names its own zone (a window,
    quiet hours) is shown in that zone. None or a row from before reasons → "".
    """
    if reason is None:
        return ""
    language = lang if lang in LANGUAGES else "en"
    _ = translations(language).gettext
    if not is_reason(reason):
        return _(GENERIC)
    code = ReasonCode(reason["code"])
    params = {**dict.fromkeys(PARAMS[code]), **(reason.get("params") or {})}
    shown = _Shown(params, language, params.get("timezone") or timezone, _)
    sentence = SENTENCES[code]
    if code == C.BLOCKED_BY_NETWORK_RULE and params.get("until") is None:
        sentence = BLOCKED_FOREVER
    return _(sentence) % shown.values()


class _Shown:
    """The params of one reason as the reader sees them."""

    def __init__(
        self,
        params: Mapping[str, Any],
        language: str,
        timezone: str | None,
        gettext: Callable[[str], str],
    ) -> None:
        self.params = params
        self.locale = _BABEL[language]
        self.zone = _zone(timezone)
        self._ = gettext

    def values(self) -> dict[str, str]:
        p, _ = self.params, self._
        out = {name: self._plain(name, value) for name, value in p.items()}
        out["by"] = self._by()
        out["number"] = str(p["attempt_number"]) if p.get("attempt_number") else NO_NUMBER
        out["category"] = _(CATEGORIES.get(str(p.get("category")), CATEGORIES["unknown"]))
        out["channel"] = _(CHANNELS.get(str(p.get("channel")), str(p.get("channel"))))
        out["status"] = _(STATUSES.get(str(p.get("status")), str(p.get("status"))))
        out["source"] = _(SOURCES.get(str(p.get("source")), SOURCES["outside"]))
        out["window"] = _(WINDOWS.get(str(p.get("window")), WINDOWS["custom"]))
        out["network"] = NETWORKS.get(str(p.get("network")), str(p.get("network")).title())
        if "pattern" in p:
            out["pattern"] = _(PAY_PATTERNS.get(str(p["pattern"]), PAY_PATTERNS["monthly"]))
            out["calendar"] = self._calendar(str(p.get("calendar")))
        out["delay"] = self._duration(p.get("delay_minutes"), "minute")
        out["spacing"] = self._duration(p.get("spacing_minutes"), "minute")
        out["gap"] = self._duration(p.get("gap_hours"), "hour")
        out["window"] = out["window"] if "window_hours" not in p else self._window_hours()
        out["percent"] = format_percent((p.get("percent") or 0) / 100, locale=self.locale)
        if p.get("amount_minor") is not None and p.get("currency"):
            out["amount"] = format_money(int(p["amount_minor"]), str(p["currency"]), self.locale)
        return out

    def _plain(self, name: str, value: Any) -> str:
        if isinstance(value, str) and name in MOMENTS:
            return self._moment(value)
        return "" if value is None else str(value)

    def _moment(self, iso: str) -> str:
        try:
            moment = datetime.fromisoformat(iso)
        except ValueError:
            return iso
        if moment.tzinfo is None:
            return iso
        local = moment.astimezone(self.zone)
        day = format_date(local, "medium", locale=self.locale)
        hour = format_time(local, "short", locale=self.locale)
        return f"{day}, {hour} {local.tzname()}"

    def _duration(self, amount: Any, unit: str) -> str:
        if not isinstance(amount, int | float):
            return ""
        value = round(amount)
        if unit == "minute" and value and value % 1440 == 0:
            value, unit = value // 1440, "day"
        elif unit == "minute" and value and value % 60 == 0:
            value, unit = value // 60, "hour"
        return str(format_unit(value, f"duration-{unit}", locale=self.locale))

    def _calendar(self, key: str) -> str:
        """A country calendar by the country's name in the reader's language."""
        if key in PAY_CALENDARS:
            return self._(PAY_CALENDARS[key])
        return str(Locale.parse(self.locale).territories.get(key, key))

    def _window_hours(self) -> str:
        return self._duration(self.params.get("window_hours"), "hour")

    def _by(self) -> str:
        p, _ = self.params, self._
        if p.get("rule_id"):
            name = p.get("rule_name") or p["rule_id"]
            return _(BY_RULE) % {"name": name, "version": p.get("rule_version") or NO_NUMBER}
        if p.get("policy_name") and p.get("policy_version") is not None and p.get("policy_id"):
            return _(BY_POLICY) % {"name": p["policy_name"], "version": p["policy_version"]}
        if p.get("policy_name"):
            return _(BY_DEFAULT_POLICY) % {"name": p["policy_name"]}
        return _(UNKNOWN_PLANNER)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
