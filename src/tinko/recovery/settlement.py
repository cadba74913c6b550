"""How long a bank debit takes to settle, so a retry is only sent while its money can still
arrive inside the recovery window.

A card or mandate charge is answered at once; a bank debit is known settled or returned only
some business days later. Stripe: ACH Direct Debit "can take up to 4 business days"
(https://docs.stripe.com/payments/ach-direct-debit#timing); SEPA Direct Debit up to 14 business
days, "the average is 7 to 8" (https://docs.stripe.com/payments/sepa-debit); Bacs Direct Debit
typically 4 business days under a mandate in place
(https://docs.stripe.com/payments/bacs-debit).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

SETTLEMENT_BUSINESS_DAYS: Final = {"ach_debit": 4, "sepa_debit": 7, "bacs_debit": 4}
# The last retry of a window goes this long before its last send moment: room for the PSP's
# answer (decision 0029).
LAST_CHANCE_BEFORE_END: Final = timedelta(hours=1)


def last_send_moment(payment_method_type: str | None, window_end: datetime) -> datetime:
    """The latest moment a retry on this method can be sent and still settle by
    ``window_end``: the end itself for cards and mandates, that many business days (weekends
    skipped) earlier for a bank debit."""
    days = SETTLEMENT_BUSINESS_DAYS.get(payment_method_type or "", 0)
    moment = window_end
    while days > 0:
        moment -= timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def last_try_moment(payment_method_type: str | None, window_end: datetime) -> datetime:
    """When a window's last retry goes: an hour before its last send moment. A retry held
    back (the issuer seen down) waits no later than this, so it still runs inside the window."""
    return last_send_moment(payment_method_type, window_end) - LAST_CHANCE_BEFORE_END
