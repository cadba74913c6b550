"""Words the rules pages show for the condition language's codes (N_ message ids, translated
where shown). Field names stay as the API spells them: merchants meet them in the API too."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Final

from tinko.console.labels import CATEGORY_NAMES, CHANNEL_NAMES, RAIL_NAMES
from tinko.pages.i18n import N_

OPS: Final = {
    "eq": N_("is"),
    "ne": N_("is not"),
    "in": N_("is one of"),
    "not_in": N_("is none of"),
    "gt": N_("is more than"),
    "gte": N_("is at least"),
    "lt": N_("is less than"),
    "lte": N_("is at most"),
    "between": N_("is between"),
    "contains": N_("contains"),
    "exists": N_("is present"),
}
GROUPS: Final = {
    "all": N_("All of these are true"),
    "any": N_("Any of these is true"),
    "not": N_("This is not true"),
}
ACTIONS: Final = {
    "retry": N_("Retry the payment"),
    "send_link": N_("Send a payment link"),
    "offer_methods": N_("Offer payment methods"),
    "notify_merchant": N_("Notify us"),
    "stop": N_("Stop the recovery"),
}
WINDOWS: Final = {
    "anytime": N_("Retry any time"),
    "business_hours": N_("Retry in business hours"),
    "weekdays": N_("Retry on weekdays"),
    "payday": N_("Retry around payday"),
    "non_peak": N_("Retry outside peak hours"),
}
VALUE_TYPES: Final = {
    "text": N_("Text value"),
    "number": N_("Number value"),
    "bool": N_("Yes or no"),
}
BOOLS: Final = {"true": N_("Yes (true)"), "false": N_("No (false)")}
DECLINE_TYPES: Final = {
    "soft": N_("Soft (may succeed later)"),
    "hard": N_("Hard (will not succeed as it is)"),
}
# Names for the values of enum-like fields; a value without one is shown as its code.
VALUES: Final = {
    "category": CATEGORY_NAMES,
    "payment_method_type": RAIL_NAMES,
    "decline_type": DECLINE_TYPES,
}

words: Final = SimpleNamespace(
    OPS=OPS,
    GROUPS=GROUPS,
    ACTIONS=ACTIONS,
    WINDOWS=WINDOWS,
    VALUE_TYPES=VALUE_TYPES,
    BOOLS=BOOLS,
    VALUES=VALUES,
    CHANNELS=CHANNEL_NAMES,
    METHODS=RAIL_NAMES,
)
