"""A Screen in one language: the template's context and the HTML response with its headers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tinko.config import Settings
from tinko.kit.money import format_money
from tinko.pages.content import ANOTHER_CARD, METHOD_HINTS, METHOD_LABELS, REASONS, STATES
from tinko.pages.i18n import format_day_and_time, number_locale
from tinko.pages.rendering import render
from tinko.pages.screens import Payment, Redirect, Screen
from tinko.pages.security import page_headers
from tinko.pages.shell import language_links, language_of, remember_language

# A processing page looks again on its own, with no script.
_PROCESSING_REFRESH_SECONDS: Final = 10


@dataclass(frozen=True)
class Method:
    code: str
    label: str
    hint: str | None


def _method_label(code: str, payment: Payment) -> str:
    # Offering "card" again after a card failed means a different card.
    if code == "card" and payment.failed_method == "card":
        return ANOTHER_CARD
    return METHOD_LABELS[code]


def _methods(payment: Payment) -> list[Method]:
    return [
        Method(code, _method_label(code, payment), METHOD_HINTS.get(code))
        for code in payment.methods
    ]


def _payment_context(payment: Payment, language: str) -> dict[str, Any]:
    locale = number_locale(language, payment.currency, payment.org_locale)
    expiry_day, expiry_time = format_day_and_time(payment.expires_at, payment.timezone, locale)
    return {
        "amount": format_money(payment.amount_minor, payment.currency, locale),
        "reason": REASONS.get(payment.category, REASONS["unknown"]),
        "methods": _methods(payment),
        "first_name": payment.first_name,
        "sent_via": payment.sent[0] if payment.sent else None,
        "sent_to": payment.sent[1] if payment.sent else None,
        "expiry_day": expiry_day,
        "expiry_time": expiry_time,
    }


def context(request: Request, screen: Screen, language: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "lang": language,
        "state": screen.state,
        "text": STATES.get(screen.state),
        "merchant": screen.merchant,
        "amount": None,
        "token": screen.token,
        "pay_url": f"/pay/{screen.token}" if screen.token else None,
        "checkout_url": f"/pay/{screen.token}/checkout" if screen.token else None,
        "nonce": screen.nonce,
        "refresh_seconds": _PROCESSING_REFRESH_SECONDS if screen.state == "processing" else None,
        # After a POST, switching language goes to the payment page, not back to the form target.
        "language_links": language_links(
            request, language, after_post=f"/pay/{screen.token}" if screen.token else "/pay/"
        ),
    }
    if screen.payment is not None:
        values.update(_payment_context(screen.payment, language))
    return values


def respond(request: Request, settings: Settings, outcome: Screen | Redirect) -> Response:
    headers = page_headers(settings.base_url)
    if isinstance(outcome, Redirect):
        return RedirectResponse(outcome.url, status_code=303, headers=headers)
    language = language_of(request, outcome.org_locale)
    template = "pay.html" if outcome.state == "open" else "status.html"
    html = render(language, template, context(request, outcome, language))
    response = HTMLResponse(
        html, status_code=outcome.status_code, headers={**headers, **outcome.headers}
    )
    response.headers["Content-Language"] = language
    remember_language(request, settings, response)
    return response
