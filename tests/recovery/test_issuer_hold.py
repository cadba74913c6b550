"""An issuer another payment saw down holds a retry to it (recovery.transient.issuer_hold)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tinko.recovery.transient import (
    ISSUER_LOOK_AGAIN,
    ISSUER_SEEN_DOWN_FOR,
    IssuerSignal,
    issuer_hold,
)

NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def test_a_retry_to_an_issuer_seen_down_an_hour_ago_waits_and_looks_again() -> None:
    signal = IssuerSignal(down_at=NOW - timedelta(hours=1))
    assert issuer_hold(signal, NOW) == NOW + ISSUER_LOOK_AGAIN


def test_an_outage_seen_longer_ago_than_the_sign_lasts_holds_nothing() -> None:
    signal = IssuerSignal(down_at=NOW - ISSUER_SEEN_DOWN_FOR)
    assert issuer_hold(signal, NOW) is None


def test_an_approval_after_the_outage_lifts_the_hold() -> None:
    signal = IssuerSignal(down_at=NOW - timedelta(hours=2), up_at=NOW - timedelta(hours=1))
    assert issuer_hold(signal, NOW) is None


def test_an_approval_before_the_outage_does_not_lift_it() -> None:
    signal = IssuerSignal(down_at=NOW - timedelta(hours=1), up_at=NOW - timedelta(hours=2))
    assert issuer_hold(signal, NOW) == NOW + ISSUER_LOOK_AGAIN


def test_an_issuer_nothing_was_heard_of_holds_nothing() -> None:
    assert issuer_hold(None, NOW) is None
    assert issuer_hold(IssuerSignal(up_at=NOW), NOW) is None


def test_a_hold_ends_at_the_windows_last_try() -> None:
    signal = IssuerSignal(down_at=NOW - timedelta(hours=1))
    assert issuer_hold(signal, NOW, NOW + timedelta(minutes=30)) == NOW + timedelta(minutes=30)


def test_at_the_windows_last_try_the_retry_goes_whatever_the_issuer() -> None:
    assert issuer_hold(IssuerSignal(down_at=NOW - timedelta(hours=1)), NOW, NOW) is None
