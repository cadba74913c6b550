"""The console's shell: sign-in, the session cookie and the pages' common parts."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.console.conftest import csrf_of, sign_in
from tests.factories import register


def test_sign_in_opens_the_dashboard(client: TestClient) -> None:
    owner = register(client)
    sign_in(client, owner.email)
    page = client.get("/console/")
    assert page.status_code == 200
    assert "<h1>Dashboard</h1>" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_login_page_has_the_labelled_fields(client: TestClient) -> None:
    page = client.get("/console/login")
    assert '<label for="email">Email</label>' in page.text
    assert '<label for="password">Password</label>' in page.text
    assert ">Sign in</button>" in page.text
    assert csrf_of(page.text)


def test_language_choice_is_remembered_for_the_person(client: TestClient) -> None:
    owner = register(client)
    sign_in(client, owner.email)
    assert '<html lang="hi">' in client.get("/console/?lang=hi").text
    client.cookies.delete("tinko_lang")  # another browser: only the account remembers
    assert '<html lang="hi">' in client.get("/console/").text


def test_auto_refresh_choice_is_saved_and_polls_the_figures(client: TestClient) -> None:
    csrf = sign_in(client, register(client).email)
    saved = client.post(
        "/console/preferences/refresh",
        data={"csrf": csrf, "seconds": "30", "back": "/console/?period=7d"},
        follow_redirects=False,
    )
    assert saved.headers["location"] == "/console/?period=7d"
    page = client.get("/console/?period=7d").text
    assert 'hx-trigger="every 30s"' in page
    assert 'hx-get="/console/dashboard/data?period=7d"' in page


def test_figures_fragment_is_the_data_alone(client: TestClient) -> None:
    sign_in(client, register(client).email)
    fragment = client.get("/console/dashboard/data?period=7d")
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="dashboard-data"')


def test_pages_before_sign_in_load_no_script(client: TestClient) -> None:
    page = client.get("/console/login")
    assert "<script" not in page.text
    assert "unsafe" not in page.headers["content-security-policy"]
