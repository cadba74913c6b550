"""Which of the world's payment methods an export's method and card network name, or none
for a method the world cannot simulate."""

from __future__ import annotations

from typing import Final

from tinko.simulate.export_keys import key

# Payment methods are matched by word ("ACH Direct Debit", "us_bank_account", "UPI AutoPay"):
# cards, bank debits, UPI and e-mandates are simulated; anything else (Klarna, iDEAL,
# Bancontact, Afterpay, PayPal, Link and other wallets, netbanking, EMI, pay later) is a
# one-off, customer-present payment the world cannot retry, so its rows are left out.
# Stripe's payment method types: https://docs.stripe.com/api/payment_methods/object (`type`);
# Razorpay's `method`: https://razorpay.com/docs/api/payments/ (card, netbanking, wallet, emi,
# upi, emandate, nach...).
# The customer pushes these: no retry, left out.
_PUSHED: Final = frozenset({"ach_credit_transfer", "customer_balance", "bank_transfer"})
# Stripe's bank debits and the legacy source type "ach_debit". ACH has NACHA's reinitiation
# limit; the other debits (Bacs, BECS, ACSS) are simulated like SEPA's: days to answer, no
# scheme cap.
_ACH: Final = frozenset({"us_bank_account", "ach_debit", "ach"})
_OTHER_DEBITS: Final = frozenset({"sepa_debit", "bacs_debit", "au_becs_debit", "acss_debit"})
_DEBIT_SCHEMES: Final = frozenset({"sepa", "bacs", "becs", "acss"})
_CARD_WORDS: Final = frozenset({"card", "cards", "credit", "debit"})
_NETWORKS: Final = frozenset(
    {"visa", "mastercard", "master", "amex", "american", "express", "discover", "jcb"}
    | {"rupay", "diners", "club", "unionpay", "maestro", "cartes", "bancaires", "eftpos"}
)


def simulated_method(method: str, network: str) -> str | None:
    """The scenario's payment method; None for one the world cannot simulate. No method
    means a card; card brands other than Mastercard and RuPay are simulated as Visa cards."""
    folded = key(method)
    words = set(folded.split("_")) - {""}
    if folded in _PUSHED or "transfer" in words:
        return None
    if folded in _ACH or "ach" in words:
        return "ach_debit"
    if folded in _OTHER_DEBITS or words & _DEBIT_SCHEMES or {"direct", "debit"} <= words:
        return "sepa_debit"
    if "upi" in words:
        return "upi_autopay"
    if words & {"emandate", "mandate", "nach"}:
        return "emandate"
    if words and not words & _CARD_WORDS and not words <= _NETWORKS:
        return None
    brand = f"{network} {method}".lower()
    if "master" in brand:
        return "mastercard_card"
    if "rupay" in brand:
        return "rupay_card"
    return "visa_card"
