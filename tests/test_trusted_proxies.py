"""Per-IP rate limits count the real client: `X-Forwarded-For` is believed only from
TINKO_TRUSTED_PROXIES, and `tinko serve` does not rewrite addresses itself."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from tests.live import serve
from tinko.cli import server_config
from tinko.config import Settings
from tinko.kit.clock import FrozenClock
from tinko.main import create_app


def _forgot_statuses(client: httpx.Client | TestClient, peer_claims: int) -> list[int]:
    """Ask for resets for different accounts, each claiming to come from another address."""
    return [
        client.post(
            "/v1/auth/password/forgot",
            json={"email": f"someone{n}@example.com"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        ).status_code
        for n in range(peer_claims)
    ]


def test_serve_ignores_forwarded_for_from_loopback_by_default(
    settings: Settings, clock: FrozenClock
) -> None:
    limited = settings.model_copy(update={"rate_limits": "forgot:3/hour"})
    app = create_app(limited, clock=clock)
    with serve(app, server_config) as base_url, httpx.Client(base_url=base_url) as client:
        statuses = _forgot_statuses(client, 4)
    assert statuses == [202, 202, 202, 429]


def test_forwarded_for_from_a_trusted_proxy_is_believed(
    settings: Settings, clock: FrozenClock
) -> None:
    behind = settings.model_copy(
        update={"rate_limits": "forgot:3/hour", "trusted_proxies": "10.0.0.0/8"}
    )
    with TestClient(create_app(behind, clock=clock), client=("10.1.2.3", 40000)) as client:
        statuses = _forgot_statuses(client, 4)
    assert statuses == [202, 202, 202, 202]


def test_forwarded_for_from_another_peer_is_ignored(settings: Settings, clock: FrozenClock) -> None:
    behind = settings.model_copy(
        update={"rate_limits": "forgot:3/hour", "trusted_proxies": "10.0.0.0/8, 192.0.2.7"}
    )
    with TestClient(create_app(behind, clock=clock), client=("192.0.2.8", 40000)) as client:
        statuses = _forgot_statuses(client, 4)
    assert statuses == [202, 202, 202, 429]
