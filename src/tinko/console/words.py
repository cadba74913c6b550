"""Words the console's recovery, message and developer pages show for the service's codes.

Each value is an N_() message id, translated where it is shown (`_(label)` in templates). A
code with no entry is shown as it is: a new code must never break a page.
"""

from __future__ import annotations

from typing import Final

from tinko.console.labels import CATEGORY_NAMES, CHANNEL_NAMES, RAIL_NAMES
from tinko.pages.i18n import N_

STATUSES: Final = {
    "pending": N_("Being planned"),
    "scheduled": N_("Scheduled"),
    "in_progress": N_("In progress"),
    "recovered": N_("Recovered"),
    "exhausted": N_("Exhausted"),
    "cancelled": N_("Cancelled"),
    "expired": N_("Expired"),
}

CATEGORIES: Final = CATEGORY_NAMES  # the dashboard's names, one set of words

# Why a payment failed, for the merchant, in plain words (the category's meaning).
WHY: Final = {
    "insufficient_funds": N_(
        "The customer's account did not have enough money at that moment. A retry a few "
        "days later, often after a payday, usually works."
    ),
    "do_not_honor": N_(
        "The customer's bank declined without giving a reason. A later retry sometimes works; "
        "asking the customer to pay through a link works more often."
    ),
    "expired_card": N_(
        "The card has expired. Retrying will not help: the customer must pay with a new card "
        "or another method."
    ),
    "invalid_card_data": N_(
        "Some card details were wrong. The customer must enter them again or use another method."
    ),
    "lost_stolen_fraud": N_(
        "The bank has blocked the card. It must never be retried; the customer can pay another way."
    ),
    "authentication_required": N_(
        "The bank asked the customer to confirm the payment (for example with an OTP). Only the "
        "customer can do that, through a payment link."
    ),
    "limit_exceeded": N_(
        "The payment went over a limit on the card or account. A retry after the limit resets "
        "may work."
    ),
    "issuer_unavailable": N_(
        "The customer's bank could not be reached. A retry after a short wait usually works."
    ),
    "processing_error": N_(
        "A technical problem at the payment provider or the bank. A retry after a short wait "
        "usually works."
    ),
    "not_permitted": N_(
        "The bank does not allow this kind of payment on this card or account. The customer "
        "needs another method."
    ),
    "account_closed": N_("The account is closed. The customer needs another method."),
    "suspected_fraud": N_(
        "The bank stopped the payment as a precaution. Do not retry; the customer can confirm "
        "with their bank and pay through a link."
    ),
    "duplicate": N_("The payment looked like a repeat of an earlier one, so it was stopped."),
    "upi_pending_timeout": N_(
        "The customer did not approve the UPI request in time. A new request or a link can work."
    ),
    "mandate_revoked": N_(
        "The customer cancelled the mandate for automatic payments. Only the customer can set "
        "up a new one."
    ),
    "unknown": N_("The payment provider gave no reason we recognise."),
}

RAILS: Final = RAIL_NAMES

CHANNELS: Final = {k: v for k, v in CHANNEL_NAMES.items() if k != "retry"}


ATTEMPT_KINDS: Final = {"psp_retry": N_("Retry"), "notification": N_("Message")}

OUTCOMES: Final = {
    "succeeded": N_("Succeeded"),
    "declined": N_("Declined"),
    "failed": N_("No answer from the payment provider"),
    "blocked": N_("Blocked by card-network rules"),
    "skipped": N_("Skipped"),
    "cancelled": N_("Cancelled"),
}

# What happened on a case (the timeline's entry kinds, recovery.timeline).
EVENTS: Final = {
    "planned": N_("Plan made"),
    "link_created": N_("Payment link created"),
    "link_sent": N_("Payment link sent"),
    "link_opened": N_("Customer opened the link"),
    "message_skipped": N_("Message not sent"),
    "checkout_started": N_("Customer started paying"),
    "checkout_declined": N_("Customer's payment was declined"),
    "retry_now": N_("Retry asked for now"),
    "retry_held_back": N_("Retry held back"),
    "cancel_requested": N_("Cancellation asked for"),
    "attempt_succeeded": N_("Retry succeeded"),
    "attempt_declined": N_("Retry declined"),
    "attempt_failed": N_("Retry got no answer"),
    "attempt_pending": N_("Retry waiting for the bank"),
    "attempt_unanswered": N_("Retry unanswered, asking again"),
    "blocked": N_("Retry blocked by card-network rules"),
    "charged_after_close": N_("Charged after the case closed"),
    "charged_after_cancel": N_("Charged after cancellation"),
    "recovered": N_("Recovered"),
    "exhausted": N_("Nothing more to try"),
}

MESSAGE_STATUSES: Final = {
    "queued": N_("Queued"),
    "sending": N_("Sending"),
    "sent": N_("Sent"),
    "delivered": N_("Delivered"),
    "failed": N_("Failed"),
    "cancelled": N_("Cancelled"),
    "outbox": N_("Kept in the dev outbox"),
}

WEBHOOK_OUTCOMES: Final = {
    "accepted": N_("Accepted"),
    "duplicate": N_("Duplicate"),
    "rejected": N_("Rejected"),
    "bad_signature": N_("Bad signature"),
    "error": N_("Error"),
}
