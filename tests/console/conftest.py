"""Console fixtures: signing in through the real form, as a browser does."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import STRONG_PASSWORD

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(
    client: TestClient, email: str, password: str = STRONG_PASSWORD, next_path: str = ""
) -> str:
    """Signs in through /console/login; returns the dashboard's CSRF token."""
    page = client.get("/console/login")
    answer = client.post(
        "/console/login",
        data={"csrf": csrf_of(page.text), "email": email, "password": password, "next": next_path},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/console/").text)
