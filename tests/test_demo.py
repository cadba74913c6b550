"""The demo organisation's owner can use every mail flow, as a real owner can."""

from __future__ import annotations

from tinko.demo import DEMO_EMAIL
from tinko.notify.contacts import normalise_email


def test_the_demo_owners_address_is_one_mail_can_be_sent_to() -> None:
    assert normalise_email(DEMO_EMAIL) == DEMO_EMAIL
