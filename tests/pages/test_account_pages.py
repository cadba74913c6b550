"""The pages that reset and invitation mails link to: the links work, the forms set a password
through the auth service, refuse forged posts, and say what to do when a link is spent."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import STRONG_PASSWORD, Account, register
from tinko.config import Settings
from tinko.kit.clock import FrozenClock
from tinko.main import create_app
from tinko.notify.models import OutboundMessage

NEW_PASSWORD = "copper-Meadow-violin-58"
EN = {"Accept-Language": "en-IN,en;q=0.9"}


def _mailed_link(client: TestClient, email: str) -> str:
    """The path and query of the link in the newest mail to `email`."""
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    with factory() as session:
        mail = session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.recipient == email)
            .order_by(OutboundMessage.id.desc())
        ).first()
    assert mail is not None
    found = re.search(r"https?://\S+/console/\S+", mail.body_text)
    assert found, mail.body_text
    parts = urlsplit(found.group(0))
    return f"{parts.path}?{parts.query}"


def _reset_link(client: TestClient, account: Account) -> str:
    client.post("/v1/auth/password/forgot", json={"email": account.email})
    return _mailed_link(client, account.email)


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} field"
    return found.group(1)


def _submit(client: TestClient, path: str, **fields: str) -> tuple[str, dict[str, str]]:
    """Opens the form at `path`; returns where it posts and the hidden fields it carries."""
    page = client.get(path, headers=EN)
    assert page.status_code == 200, page.text
    form = {"csrf": _hidden(page.text, "csrf"), "token": _hidden(page.text, "token"), **fields}
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert action
    return action.group(1), form


def _signs_in(client: TestClient, email: str, password: str) -> bool:
    response = client.post("/v1/auth/login", json={"email": email, "password": password})
    return response.status_code == 200


def test_reset_mail_links_to_a_page_with_a_password_form(client: TestClient) -> None:
    account = register(client)
    page = client.get(_reset_link(client, account), headers=EN)
    assert page.status_code == 200
    assert '<label for="password">New password</label>' in page.text
    assert 'autocomplete="new-password"' in page.text
    assert "<script" not in page.text


def test_reset_form_sets_the_password_through_the_service(client: TestClient) -> None:
    account = register(client)
    action, form = _submit(client, _reset_link(client, account), password=NEW_PASSWORD)
    done = client.post(action, data=form, headers=EN)
    assert done.status_code == 200
    assert "Your password is set" in done.text
    assert _signs_in(client, account.email, NEW_PASSWORD)
    assert not _signs_in(client, account.email, STRONG_PASSWORD)


def test_reset_signs_out_the_old_sessions(client: TestClient) -> None:
    account = register(client)
    action, form = _submit(client, _reset_link(client, account), password=NEW_PASSWORD)
    client.post(action, data=form)
    refreshed = client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert refreshed.status_code == 401


def test_post_without_the_csrf_cookie_changes_nothing(client: TestClient) -> None:
    account = register(client)
    action, form = _submit(client, _reset_link(client, account), password=NEW_PASSWORD)
    client.cookies.clear()  # another site can make the browser post, not read our cookie
    refused = client.post(action, data=form, headers=EN)
    assert refused.status_code == 403
    assert "This page is out of date" in refused.text
    assert _signs_in(client, account.email, STRONG_PASSWORD)


def test_post_with_another_csrf_value_changes_nothing(client: TestClient) -> None:
    account = register(client)
    action, form = _submit(client, _reset_link(client, account), password=NEW_PASSWORD)
    refused = client.post(action, data={**form, "csrf": form["csrf"][:-2] + "xx"})
    assert refused.status_code == 403
    assert _signs_in(client, account.email, STRONG_PASSWORD)


def test_cross_site_post_is_refused(client: TestClient) -> None:
    account = register(client)
    action, form = _submit(client, _reset_link(client, account), password=NEW_PASSWORD)
    refused = client.post(action, data=form, headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403
    assert _signs_in(client, account.email, STRONG_PASSWORD)


def test_short_password_gets_an_error_next_to_the_field(client: TestClient) -> None:
    account = register(client)
    action, form = _submit(client, _reset_link(client, account), password="short")
    page = client.post(action, data=form, headers=EN)
    assert page.status_code == 422
    assert '<p class="error" id="password-error">' in page.text
    assert "Use at least 10 characters." in page.text
    assert re.search(r'id="password"[^>]*aria-invalid="true"', page.text)
    assert re.search(r'aria-describedby="password-hint password-error"', page.text)


def test_guessable_password_is_refused_by_the_service_rules(client: TestClient) -> None:
    account = register(client)
    action, form = _submit(client, _reset_link(client, account), password="password123")
    page = client.post(action, data=form, headers=EN)
    assert page.status_code == 422
    assert "too easy to guess" in page.text
    assert _signs_in(client, account.email, STRONG_PASSWORD)


def test_the_form_can_be_corrected_and_sent_again(client: TestClient) -> None:
    account = register(client)
    action, form = _submit(client, _reset_link(client, account), password="short")
    again = client.post(action, data=form)
    retry = {**form, "csrf": _hidden(again.text, "csrf"), "password": NEW_PASSWORD}
    assert client.post(action, data=retry).status_code == 200
    assert _signs_in(client, account.email, NEW_PASSWORD)


def test_used_link_says_so_and_offers_a_new_one(client: TestClient) -> None:
    account = register(client)
    link = _reset_link(client, account)
    action, form = _submit(client, link, password=NEW_PASSWORD)
    client.post(action, data=form)
    page = client.get(link, headers=EN)
    assert page.status_code == 410
    assert "This reset link cannot be used" in page.text
    assert 'action="/console/reset-password/new"' in page.text


def test_expired_link_says_so(client: TestClient, clock: FrozenClock) -> None:
    account = register(client)
    link = _reset_link(client, account)
    clock.advance(timedelta(hours=1, seconds=1))
    page = client.get(link, headers=EN)
    assert page.status_code == 410
    assert "works once, for one hour" in page.text


def test_asking_for_a_new_link_mails_one(client: TestClient) -> None:
    account = register(client)
    page = client.get("/console/reset-password", headers=EN)
    form = {"csrf": _hidden(page.text, "csrf"), "email": account.email.upper()}
    sent = client.post("/console/reset-password/new", data=form, headers=EN)
    assert sent.status_code == 200
    assert "Check your email" in sent.text
    assert client.get(_mailed_link(client, account.email)).status_code == 200


def test_new_link_form_names_a_bad_email_next_to_the_field(client: TestClient) -> None:
    page = client.get("/console/reset-password")
    form = {"csrf": _hidden(page.text, "csrf"), "email": "not an email"}
    answer = client.post("/console/reset-password/new", data=form, headers=EN)
    assert answer.status_code == 422
    assert '<p class="error" id="email-error">' in answer.text
    assert 'value="not an email"' in answer.text


def test_new_link_form_has_the_apis_forgot_limit(settings: Settings, clock: FrozenClock) -> None:
    limited = settings.model_copy(update={"rate_limits": "forgot:1/hour"})
    with TestClient(create_app(limited, clock=clock)) as client:
        page = client.get("/console/reset-password")
        form = {"csrf": _hidden(page.text, "csrf"), "email": "ana@example.com"}
        assert client.post("/console/reset-password/new", data=form).status_code == 200
        busy = client.post("/console/reset-password/new", data=form, headers=EN)
    assert busy.status_code == 429
    assert int(busy.headers["retry-after"]) > 0
    assert "Too many attempts" in busy.text


def _invite(client: TestClient, owner: Account, email: str = "ravi@example.com") -> str:
    body = {"email": email, "role": "viewer", "name": "Ravi"}
    assert client.post("/v1/users", json=body, headers=owner.headers).status_code == 201
    return _mailed_link(client, email)


def test_invite_mail_links_to_a_join_page(client: TestClient) -> None:
    owner = register(client, org_name="Kaveri Books")
    page = client.get(_invite(client, owner), headers=EN)
    assert page.status_code == 200
    assert "<h1>Join Kaveri Books</h1>" in page.text
    assert '<label for="name">Your name</label>' in page.text
    assert 'value="ravi@example.com"' in page.text


def test_accepting_an_invite_activates_the_user_with_their_name(client: TestClient) -> None:
    owner = register(client)
    action, form = _submit(client, _invite(client, owner), name="Ravi Kumar", password=NEW_PASSWORD)
    done = client.post(action, data=form, headers=EN)
    assert done.status_code == 200, done.text
    assert _signs_in(client, "ravi@example.com", NEW_PASSWORD)
    users = client.get("/v1/users", headers=owner.headers).json()["data"]
    ravi = next(user for user in users if user["email"] == "ravi@example.com")
    assert (ravi["name"], ravi["status"]) == ("Ravi Kumar", "active")


def test_a_reset_token_does_not_open_the_invite_page(client: TestClient) -> None:
    account = register(client)
    token = _reset_link(client, account).split("token=", 1)[1]
    page = client.get(f"/console/accept-invite?token={token}", headers=EN)
    assert page.status_code == 410
    assert "This invitation cannot be used" in page.text


def test_account_pages_speak_hindi_and_tamil(client: TestClient) -> None:
    owner = register(client)
    invite = client.get(_invite(client, owner) + "&lang=ta")
    assert '<html lang="ta">' in invite.text
    assert "புதிய கடவுச்சொல்" in invite.text
    client.cookies.clear()  # the Tamil choice is remembered; a new visitor's browser decides
    reset = client.get("/console/reset-password", headers={"Accept-Language": "hi-IN"})
    assert '<html lang="hi">' in reset.text
    assert "अपना पासवर्ड रीसेट करें" in reset.text


def test_account_pages_carry_the_page_security_headers(client: TestClient) -> None:
    page = client.get("/console/reset-password")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    cookie = page.headers["set-cookie"]
    for attribute in ("tinko_csrf=", "HttpOnly", "SameSite=strict", "Path=/console"):
        assert attribute in cookie
