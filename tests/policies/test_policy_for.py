"""`policy_for`: the org's active policy for a category, merged onto that category's default."""

from __future__ import annotations

from datetime import time

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import Account, register
from tests.policies.conftest import create_policy
from tinko.policies.defaults import default_policy
from tinko.policies.service import policy_for
from tinko.policies.windows import UPI_AUTOPAY_NON_PEAK


def test_without_an_org_policy_the_category_default_applies(
    owner: Account, session: Session
) -> None:
    spec = policy_for(session, owner.org_id, "insufficient_funds", "card", "Europe/Berlin")
    assert spec == default_policy("insufficient_funds", "card", "Europe/Berlin")
    assert spec.id is None
    assert spec.windows.timezone == "Europe/Berlin"


def test_the_orgs_active_policy_covering_the_category_applies(
    client: TestClient, owner: Account, session: Session
) -> None:
    created = create_policy(
        client,
        owner,
        active=True,
        categories=["do_not_honor"],
        quiet_hours={"start": "22:00", "end": "07:30"},
    )
    spec = policy_for(session, owner.org_id, "do_not_honor", "card", "UTC")
    assert spec.id == created["id"]
    assert spec.name == "Standard"
    assert spec.strategy == "backoff"
    assert (spec.max_attempts, spec.initial_delay_minutes, spec.max_delay_minutes) == (3, 60, 1440)
    assert spec.backoff_multiplier == 2.0
    assert spec.channels == ("email", "whatsapp")
    assert spec.windows.timezone == "Asia/Kolkata"  # the policy's own windows
    assert spec.quiet_hours == (time(22, 0), time(7, 30))
    assert spec.window_days == 14
    # Fields the API lacks come from the category's default.
    assert spec.silent_retries is True
    assert (
        spec.link_after_attempt == default_policy("do_not_honor", "card", "UTC").link_after_attempt
    )


def test_a_policy_for_other_categories_leaves_the_default(
    client: TestClient, owner: Account, session: Session
) -> None:
    create_policy(client, owner, active=True, categories=["insufficient_funds"])
    spec = policy_for(session, owner.org_id, "processing_error", None, "UTC")
    assert spec == default_policy("processing_error", None, "UTC")


def test_an_inactive_policy_is_ignored(
    client: TestClient, owner: Account, session: Session
) -> None:
    create_policy(client, owner, active=False)
    assert policy_for(session, owner.org_id, "unknown", None, "UTC").id is None


def test_another_orgs_policy_is_never_used(
    client: TestClient, owner: Account, session: Session
) -> None:
    create_policy(client, register(client), active=True)
    assert policy_for(session, owner.org_id, "unknown", None, "UTC").id is None


def test_a_catch_all_policy_never_retries_a_hard_decline_silently(
    client: TestClient, owner: Account, session: Session
) -> None:
    created = create_policy(client, owner, active=True, max_attempts=5)
    spec = policy_for(session, owner.org_id, "lost_stolen_fraud", "card", "UTC")
    assert spec.id == created["id"]
    assert (spec.strategy, spec.silent_retries, spec.max_attempts) == ("customer_only", False, 0)
    assert spec.link_after_attempt == 0
    assert spec.channels == ("email", "whatsapp")


def test_zero_attempts_means_messages_only(
    client: TestClient, owner: Account, session: Session
) -> None:
    create_policy(client, owner, active=True, max_attempts=0, initial_delay_minutes=15)
    spec = policy_for(session, owner.org_id, "insufficient_funds", "card", "UTC")
    assert (spec.strategy, spec.silent_retries, spec.max_attempts) == ("customer_only", False, 0)
    assert spec.link_after_attempt == 0
    assert spec.initial_delay_minutes == 15


def test_a_funds_policy_can_retry_on_paydays(
    client: TestClient, owner: Account, session: Session
) -> None:
    create_policy(client, owner, active=True, strategy="payday", categories=["insufficient_funds"])
    spec = policy_for(session, owner.org_id, "insufficient_funds", "card", "UTC")
    assert spec.strategy == "payday"
    assert spec.paydays == "auto"  # the customer's pay calendar (policies.paydays)


def test_the_link_never_waits_for_more_retries_than_the_policy_makes(
    client: TestClient, owner: Account, session: Session
) -> None:
    create_policy(client, owner, active=True, max_attempts=1)
    spec = policy_for(session, owner.org_id, "insufficient_funds", "card", "UTC")
    assert spec.link_after_attempt == 1  # the default says after 2; only 1 retry is made


def test_upi_without_an_org_policy_retries_in_non_peak_hours(
    owner: Account, session: Session
) -> None:
    spec = policy_for(session, owner.org_id, "insufficient_funds", "upi", "UTC")
    assert spec.windows == UPI_AUTOPAY_NON_PEAK
