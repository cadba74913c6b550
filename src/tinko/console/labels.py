"""Names a merchant reads on the dashboard, for the analytics vocabulary (N_: in the
catalogs, translated where shown)."""

from __future__ import annotations

from typing import Final

from tinko.pages.i18n import N_

CATEGORY_NAMES: Final = {
    "insufficient_funds": N_("Insufficient funds"),
    "do_not_honor": N_("Do not honour"),
    "expired_card": N_("Expired card"),
    "invalid_card_data": N_("Invalid card details"),
    "lost_stolen_fraud": N_("Lost or stolen card"),
    "authentication_required": N_("Authentication needed"),
    "limit_exceeded": N_("Limit exceeded"),
    "issuer_unavailable": N_("Bank unavailable"),
    "processing_error": N_("Processing error"),
    "not_permitted": N_("Not permitted"),
    "account_closed": N_("Account closed"),
    "suspected_fraud": N_("Suspected fraud"),
    "duplicate": N_("Duplicate"),
    "upi_pending_timeout": N_("UPI not approved in time"),
    "mandate_revoked": N_("Mandate cancelled"),
    "unknown": N_("Other"),
}
RAIL_NAMES: Final = {
    "card": N_("Card"),
    "upi": N_("UPI AutoPay"),
    "emandate": N_("e-mandate"),
    "netbanking": N_("Net banking"),
    "wallet": N_("Wallet"),
    "ach_debit": N_("ACH debit"),
    "sepa_debit": N_("SEPA Direct Debit"),
    "bacs_debit": N_("Bacs Direct Debit"),
}
CHANNEL_NAMES: Final = {
    "retry": N_("Retry"),
    "email": N_("Email"),
    "sms": N_("SMS"),
    "whatsapp": N_("WhatsApp"),
}
RECOVERED_BY_NAMES: Final = {
    "psp_retry": N_("Tinko's retry"),
    "payer_link": N_("Payer link"),
    "outside": N_("Paid outside Tinko"),
}


def name_of(names: dict[str, str], key: str | None) -> str:
    return names.get(str(key), str(key))
