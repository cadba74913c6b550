"""Console sessions: lifetimes, sign-out, CSRF, roles, `next` and the API's rate limits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.testclient import TestClient

from tests.console.conftest import csrf_of, sign_in
from tests.factories import STRONG_PASSWORD, invite_and_join, register
from tinko.config import Settings
from tinko.console.access import ConsoleAdminPostDep
from tinko.console.rendering import redirect
from tinko.console.sessions import COOKIE
from tinko.deps import TinkoRouter
from tinko.kit.clock import FrozenClock
from tinko.main import create_app


def _goes_to_login(answer: Response | object, wanted: str = "/console/") -> None:
    assert answer.status_code == 303  # type: ignore[attr-defined]
    location = answer.headers["location"]  # type: ignore[attr-defined]
    assert location.startswith("/console/login?next=")
    assert location.endswith(wanted.replace("?", "%3F").replace("=", "%3D").replace("&", "%26"))


def test_no_session_goes_to_sign_in_with_the_page_wanted(client: TestClient) -> None:
    answer = client.get("/console/?period=7d", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login?next=/console/%3Fperiod%3D7d"


def test_signing_in_returns_to_the_page_wanted(client: TestClient) -> None:
    owner = register(client)
    page = client.get("/console/login?next=/console/%3Fperiod%3D7d")
    answer = client.post(
        "/console/login",
        data={
            "csrf": csrf_of(page.text),
            "email": owner.email,
            "password": STRONG_PASSWORD,
            "next": "/console/?period=7d",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/console/?period=7d"


@pytest.mark.parametrize(
    "wanted",
    [
        "https://evil.example/",
        "//evil.example/console/",
        "/\\evil.example",
        "/v1/auth/me",
        "javascript:alert(1)",
        "/console/login?next=//evil.example",
    ],
)
def test_next_never_leaves_the_console(client: TestClient, wanted: str) -> None:
    owner = register(client)
    page = client.get("/console/login")
    answer = client.post(
        "/console/login",
        data={
            "csrf": csrf_of(page.text),
            "email": owner.email,
            "password": STRONG_PASSWORD,
            "next": wanted,
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/console/"


def test_cookie_is_httponly_and_samesite_lax(client: TestClient) -> None:
    owner = register(client)
    page = client.get("/console/login")
    answer = client.post(
        "/console/login",
        data={"csrf": csrf_of(page.text), "email": owner.email, "password": STRONG_PASSWORD},
        follow_redirects=False,
    )
    cookie = answer.headers["set-cookie"].lower()
    assert f"{COOKIE}=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/console" in cookie


def test_idle_for_more_than_30_minutes_ends_the_session(
    client: TestClient, clock: FrozenClock
) -> None:
    sign_in(client, register(client).email)
    clock.advance(timedelta(minutes=31))
    _goes_to_login(client.get("/console/", follow_redirects=False))


def test_activity_keeps_the_session_alive(client: TestClient, clock: FrozenClock) -> None:
    sign_in(client, register(client).email)
    for _ in range(4):
        clock.advance(timedelta(minutes=20))
        assert client.get("/console/").status_code == 200


def test_auto_refresh_does_not_keep_the_session_alive(
    client: TestClient, clock: FrozenClock
) -> None:
    sign_in(client, register(client).email)
    for _ in range(3):
        clock.advance(timedelta(minutes=12))
        client.get("/console/", headers={"X-Tinko-Poll": "1"})
    _goes_to_login(client.get("/console/", follow_redirects=False))


def test_twelve_hours_after_sign_in_the_session_ends(
    client: TestClient, clock: FrozenClock
) -> None:
    sign_in(client, register(client).email)
    for _ in range(36):
        clock.advance(timedelta(minutes=20))
        client.get("/console/")
    clock.advance(timedelta(minutes=1))
    _goes_to_login(client.get("/console/", follow_redirects=False))


def test_sign_out_ends_the_session_even_for_a_kept_cookie(client: TestClient) -> None:
    csrf = sign_in(client, register(client).email)
    kept = client.cookies.get(COOKIE)
    answer = client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert answer.headers["location"] == "/console/login?signed_out=1"
    client.cookies.set(COOKIE, kept or "", path="/console")
    _goes_to_login(client.get("/console/", follow_redirects=False))


def test_htmx_request_without_session_is_told_where_to_go(client: TestClient) -> None:
    answer = client.get(
        "/console/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/console/?period=90d"},
        follow_redirects=False,
    )
    assert answer.status_code == 200
    assert answer.headers["hx-redirect"] == "/console/login?next=/console/%3Fperiod%3D90d"


def test_post_without_csrf_is_403_and_changes_nothing(client: TestClient) -> None:
    sign_in(client, register(client).email)
    answer = client.post("/console/logout", data={}, follow_redirects=False)
    assert answer.status_code == 403
    assert "This page is out of date" in answer.text
    assert client.get("/console/").status_code == 200  # still signed in


def test_post_with_a_wrong_csrf_is_403(client: TestClient) -> None:
    sign_in(client, register(client).email)
    answer = client.post("/console/logout", headers={"X-CSRF-Token": "forged"})
    assert answer.status_code == 403


def test_post_from_another_site_is_403(client: TestClient) -> None:
    csrf = sign_in(client, register(client).email)
    answer = client.post(
        "/console/logout", data={"csrf": csrf}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert answer.status_code == 403


def test_csrf_of_another_session_is_403(client: TestClient, app: FastAPI) -> None:
    other = TestClient(app)
    other_csrf = sign_in(other, register(other).email)
    sign_in(client, register(client).email)
    answer = client.post("/console/logout", data={"csrf": other_csrf})
    assert answer.status_code == 403


def test_login_form_without_csrf_is_403(client: TestClient) -> None:
    owner = register(client)
    answer = client.post("/console/login", data={"email": owner.email, "password": STRONG_PASSWORD})
    assert answer.status_code == 403
    assert COOKIE not in answer.headers.get("set-cookie", "")


def test_wrong_password_says_so_without_telling_which(client: TestClient) -> None:
    owner = register(client)
    page = client.get("/console/login")
    answer = client.post(
        "/console/login",
        data={"csrf": csrf_of(page.text), "email": owner.email, "password": "wrong-password-1"},
    )
    assert answer.status_code == 401
    assert "The email or password is incorrect." in answer.text


@pytest.fixture
def guarded(settings: Settings, clock: FrozenClock) -> Iterator[TestClient]:
    """The app with one admin-only console action, as the console's pages declare theirs."""
    app = create_app(settings, clock=clock)
    router = TinkoRouter(prefix="/console")

    @router.post("/admin-only")
    def admin_only(request: Request, user: ConsoleAdminPostDep) -> Response:
        return redirect(request, "/console/")

    app.include_router(router)
    with TestClient(app) as test_client:
        yield test_client


def test_viewer_is_refused_an_admin_action(guarded: TestClient) -> None:
    owner = register(guarded)
    viewer = invite_and_join(guarded, owner, "viewer")
    csrf = sign_in(guarded, viewer.email)
    answer = guarded.post("/console/admin-only", data={"csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 403
    assert "You cannot do this" in answer.text


def test_admin_may_do_an_admin_action(guarded: TestClient) -> None:
    owner = register(guarded)
    admin = invite_and_join(guarded, owner, "admin")
    csrf = sign_in(guarded, admin.email)
    answer = guarded.post("/console/admin-only", data={"csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303


def test_sign_in_has_the_apis_rate_limit(settings: Settings, clock: FrozenClock) -> None:
    limited = settings.model_copy(update={"rate_limits": "login:3/minute"})
    with TestClient(create_app(limited, clock=clock)) as client:
        page = client.get("/console/login")
        data = {"csrf": csrf_of(page.text), "email": "a@example.com", "password": "nope-nope-1"}
        answers = [client.post("/console/login", data=data).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]


def test_sign_up_makes_an_org_and_signs_its_owner_in(client: TestClient) -> None:
    page = client.get("/console/signup")
    answer = client.post(
        "/console/signup",
        data={
            "csrf": csrf_of(page.text),
            "email": "new.owner@example.in",
            "password": STRONG_PASSWORD,
            "name": "Meena",
            "org_name": "Meena Textiles",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/console/onboarding"  # a new owner starts onboarding
    assert "Meena Textiles" in client.get("/console/").text
