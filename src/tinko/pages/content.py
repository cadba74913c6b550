"""What the payer page says: reasons in plain words, payment methods, and each page state.

Messages are marked with N_ and translated where they are shown. Categories are those of
docs/api.md "Decline categories"; the words are for a payer, not for a merchant or a bank.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from tinko.pages.i18n import N_

REASONS: Final = {
    "insufficient_funds": N_(
        "Your bank declined the payment because the account did not have enough money "
        "at that moment."
    ),
    "do_not_honor": N_("Your bank declined the payment without telling us why."),
    "expired_card": N_("The card used for this payment has expired."),
    "invalid_card_data": N_("Some of the card details did not match what your bank has on record."),
    "lost_stolen_fraud": N_("Your bank has blocked the card used for this payment."),
    "authentication_required": N_(
        "Your bank asked you to confirm the payment (for example with an OTP), "
        "and it was not confirmed."
    ),
    "limit_exceeded": N_("The payment went over a spending limit on your card or account."),
    "issuer_unavailable": N_("Your bank could not be reached when the payment was made."),
    "processing_error": N_("A technical problem stopped the payment from going through."),
    "not_permitted": N_("Your bank does not allow this kind of payment on this card or account."),
    "account_closed": N_("The account used for this payment is closed."),
    "suspected_fraud": N_("Your bank stopped the payment as a safety precaution."),
    "duplicate": N_("The payment looked like a repeat of an earlier one, so it was stopped."),
    "upi_pending_timeout": N_("The UPI request was not approved in time."),
    "mandate_revoked": N_("The permission for automatic payments (the mandate) was cancelled."),
    "unknown": N_("The payment could not be completed."),
}

METHOD_LABELS: Final = {
    "card": N_("Debit or credit card"),
    "upi": N_("UPI"),
    "netbanking": N_("Net banking"),
    "wallet": N_("Wallet"),
    "emandate": N_("Bank mandate (e-NACH)"),
    "bank_transfer": N_("Bank transfer"),
    "paylater": N_("Pay later"),
}
ANOTHER_CARD: Final = N_("Another card")
METHOD_HINTS: Final = {
    "card": N_("Visa, Mastercard, RuPay and more"),
    "upi": N_("Pay from any UPI app"),
    "netbanking": N_("Pay from your bank account"),
    "wallet": N_("Pay from your wallet balance"),
}


@dataclass(frozen=True)
class StateText:
    title: str
    lines: tuple[str, ...]
    action: str | None = None  # a link back to the payment page, when trying again helps


# Every line may use %(merchant)s and %(amount)s.
STATES: Final = {
    "already_paid": StateText(
        N_("This payment is already complete"),
        (N_("%(merchant)s has received %(amount)s. There is nothing more to pay."),),
    ),
    "paid": StateText(
        N_("Thank you, your payment is complete"),
        (
            N_("%(merchant)s has received %(amount)s."),
            N_("You can close this page now."),
        ),
    ),
    "processing": StateText(
        N_("Your payment is being processed"),
        (
            N_("Your bank has not confirmed it yet. This usually takes a few minutes."),
            N_("Please do not pay again. This page checks again by itself."),
        ),
    ),
    "problem": StateText(
        N_("We could not confirm this payment"),
        (
            N_(
                "If money was taken from your account, do not pay again: "
                "contact %(merchant)s instead."
            ),
            N_("Otherwise, you can try again."),
        ),
        N_("Try again"),
    ),
    "cancelled": StateText(
        N_("Payment cancelled"),
        (
            N_("You have not been charged."),
            N_("You can try again whenever you are ready."),
        ),
        N_("Try again"),
    ),
    "declined": StateText(
        N_("Your card was declined"),
        (
            N_("You have not been charged."),
            N_("You can try again with another card or another way to pay."),
        ),
        N_("Try again"),
    ),
    "closed": StateText(
        N_("This payment request is closed"),
        (
            N_("%(merchant)s has closed this request, so there is nothing to pay here."),
            N_("If you think this is a mistake, please contact %(merchant)s."),
        ),
    ),
    "expired": StateText(
        N_("This payment link has expired"),
        (
            N_("Payment links work for a limited time to keep your payment safe."),
            N_("Please ask %(merchant)s to send you a new link."),
        ),
    ),
    "not_found": StateText(
        N_("We cannot find this payment link"),
        (
            N_("Check that you opened the whole link from your message."),
            N_("If it still does not work, contact the business that sent it."),
        ),
    ),
    "stale_form": StateText(
        N_("This page is out of date"),
        (N_("Nothing was charged. Please go back to the payment page and try again."),),
        N_("Back to payment"),
    ),
    "unavailable": StateText(
        N_("The payment service is not responding"),
        (
            N_("You have not been charged."),
            N_("Please try again in a few minutes."),
        ),
        N_("Try again"),
    ),
    "busy": StateText(
        N_("Too many attempts"),
        (N_("Please wait a minute, then try again."),),
    ),
}
