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
