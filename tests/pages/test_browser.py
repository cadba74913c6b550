"""The payer page in headless Chromium at a phone's size: every state in every language (with
screenshots kept under artifacts/screenshots/), keyboard only, JavaScript off, accessibility."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page

from tests.pages.conftest import PHONE, PayerLink, pay_sandbox, phone_page, recovery, screenshot
from tinko.kit.clock import FrozenClock

LANGUAGES = ("en", "hi", "ta")
# The h1 of each state, per language, straight from the catalogs' wording.
HEADINGS = {
    "open": {
        "en": "Your payment did not go through",
        "hi": "आपका भुगतान नहीं हो पाया",
        "ta": "உங்கள் பணம் செலுத்துதல் நிறைவடையவில்லை",
    },
    "success": {
        "en": "Thank you, your payment is complete",
        "hi": "धन्यवाद, आपका भुगतान पूरा हो गया है",
        "ta": "நன்றி, உங்கள் பணம் செலுத்துதல் நிறைவடைந்தது",
    },
    "processing": {
        "en": "Your payment is being processed",
        "hi": "आपका भुगतान प्रोसेस हो रहा है",
        "ta": "உங்கள் பணம் செலுத்துதல் செயலாக்கத்தில் உள்ளது",
    },
    "problem": {
        "en": "We could not confirm this payment",
        "hi": "हम इस भुगतान की पुष्टि नहीं कर सके",
        "ta": "இந்தப் பணம் செலுத்துதலை எங்களால் உறுதிப்படுத்த முடியவில்லை",
    },
    "cancel": {
        "en": "Payment cancelled",
        "hi": "भुगतान रद्द कर दिया गया",
        "ta": "பணம் செலுத்துதல் ரத்து செய்யப்பட்டது",
    },
    "expired": {
        "en": "This payment link has expired",
        "hi": "इस भुगतान लिंक की समय-सीमा ख़त्म हो गई है",
        "ta": "இந்தப் பணம் செலுத்தும் இணைப்பு காலாவதியாகிவிட்டது",
    },
    "already_paid": {
        "en": "This payment is already complete",
        "hi": "यह भुगतान पहले ही पूरा हो चुका है",
        "ta": "இந்தப் பணம் ஏற்கெனவே செலுத்தப்பட்டுவிட்டது",
    },
    "not_found": {
        "en": "We cannot find this payment link",
        "hi": "हमें यह भुगतान लिंक नहीं मिल रहा है",
        "ta": "இந்தப் பணம் செலுத்தும் இணைப்பைக் கண்டறிய முடியவில்லை",
    },
}


def _arrange(
    state: str, client: TestClient, link: PayerLink, clock: FrozenClock
) -> tuple[str, int]:
    """Puts the link in `state`; returns the path to open and the status it must answer."""
    if state in ("success", "already_paid"):
        pay_sandbox(client, link)
    if state == "expired":
        clock.advance(timedelta(hours=49))
    forged = link.token[:-2] + ("AA" if not link.token.endswith("AA") else "BB")
    return {
        "open": (link.path, 200),
        "success": (f"{link.path}/success", 200),
        # Back from checkout before the PSP has a payment to show; back with a forged session.
        "processing": (f"{link.path}/success", 200),
        "problem": (f"{link.path}/success?session_id=cs_test_forged", 400),
        "cancel": (f"{link.path}/cancel", 200),
        "expired": (link.path, 410),
        "already_paid": (link.path, 200),
        "not_found": (f"/pay/{forged}", 404),
    }[state]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("state", list(HEADINGS))
def test_state_renders_in_language_on_a_phone(
    browser: Browser,
    live_url: str,
    client: TestClient,
    payer_link: PayerLink,
    clock: FrozenClock,
    state: str,
    language: str,
) -> None:
    path, status = _arrange(state, client, payer_link, clock)
    page = phone_page(browser, language)
    response = page.goto(live_url + path)
    assert response is not None
    assert response.status == status
    assert page.get_attribute("html", "lang") == language
    assert page.locator("h1").inner_text() == HEADINGS[state][language]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"{state}-{language}")
    page.context.close()


def _pays_on_the_sandbox(page: Page, live_url: str, choose: Callable[[Page], None]) -> str:
    choose(page)
    page.wait_for_url(f"{live_url}/sandbox/checkout/**")
    return page.url


def test_keyboard_alone_picks_a_method_and_pays(
    browser: Browser, live_url: str, payer_link: PayerLink
) -> None:
    page = phone_page(browser)
    page.goto(live_url + payer_link.path)
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "method":
            break
    assert page.evaluate("document.activeElement.value") == "upi"
    page.keyboard.press("ArrowDown")  # radio groups move the choice with the arrow keys
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"

    def press_enter(p: Page) -> None:
        p.keyboard.press("Enter")

    url = _pays_on_the_sandbox(page, live_url, press_enter)
    assert url.endswith("?method=netbanking")
    page.context.close()


def test_paying_works_with_javascript_off(
    browser: Browser, live_url: str, client: TestClient, payer_link: PayerLink
) -> None:
    page = phone_page(browser, javascript=False)
    page.goto(live_url + payer_link.path)

    def click_pay(p: Page) -> None:
        p.get_by_role("button").click()

    _pays_on_the_sandbox(page, live_url, click_pay)
    page.get_by_role("button", name="Pay").click()  # on the sandbox PSP's page
    page.wait_for_url(f"{live_url}{payer_link.path}/success")
    assert page.locator("h1").inner_text() == HEADINGS["success"]["en"]
    assert recovery(client, payer_link)["status"] == "recovered"
    page.context.close()


def test_language_switcher_changes_the_page_language(
    browser: Browser, live_url: str, payer_link: PayerLink
) -> None:
    page = phone_page(browser, "en")
    page.goto(live_url + payer_link.path)
    page.get_by_role("link", name="தமிழ்").click()
    assert page.get_attribute("html", "lang") == "ta"
    assert page.locator("h1").inner_text() == HEADINGS["open"]["ta"]
    page.context.close()


def test_every_input_is_labelled_and_there_is_one_h1(
    browser: Browser, live_url: str, payer_link: PayerLink
) -> None:
    page = phone_page(browser)
    page.goto(live_url + payer_link.path)
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
             .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label'))
             .map(el => el.outerHTML)"""
    )
    assert unlabelled == []
    assert page.locator("h1").count() == 1
    assert page.locator("button").inner_text().startswith("Pay ₹1,23,456.00")
    page.context.close()


# Each element with its own text: its colour and the first opaque background behind it.
_TEXT_COLOURS = """() => {
  const opaque = c => c && c !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(c);
  const seen = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    let bg = null;
    for (let node = el; node && !opaque(bg); node = node.parentElement) {
      bg = getComputedStyle(node).backgroundColor;
    }
    seen.push([el.tagName, getComputedStyle(el).color, opaque(bg) ? bg : 'rgb(255, 255, 255)']);
  }
  return seen;
}"""


def _luminance(css: str) -> float:
    red, green, blue = (int(part) for part in css[css.index("(") + 1 : -1].split(",")[:3])

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(foreground: str, background: str) -> float:
    """WCAG 2.x contrast ratio of two opaque CSS rgb() colours."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_formula_matches_wcag_reference_values() -> None:
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0
    assert round(contrast("rgb(118, 118, 118)", "rgb(255, 255, 255)"), 2) == 4.54


@pytest.mark.parametrize("state", ["open", "success", "expired"])
def test_all_text_has_at_least_4_5_to_1_contrast(
    browser: Browser,
    live_url: str,
    client: TestClient,
    payer_link: PayerLink,
    clock: FrozenClock,
    state: str,
) -> None:
    path, _ = _arrange(state, client, payer_link, clock)
    page = phone_page(browser)
    page.goto(live_url + path)
    pairs = page.evaluate(_TEXT_COLOURS)
    assert len(pairs) > 3
    weak = [(tag, fg, bg) for tag, fg, bg in pairs if contrast(fg, bg) < 4.5]
    assert weak == []
    page.context.close()
