"""An organisation's message settings: quiet hours, frequency cap, whose clock to follow.

Defaults are the values that were constants before they became settings (issue #17), so an
organisation that never changes them behaves as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from typing import Final

from tinko.tenancy.models import Organization

# The cap counts messages to one customer over this sliding window, over all channels.
FREQUENCY_WINDOW: Final = timedelta(hours=24)
# More than this in a day is spam whatever the merchant wants.
MAX_FREQUENCY_CAP: Final = 10
# A link lives at least an hour (time to open the message) and at most 30 days (after that the
# case has expired under every preset).
MIN_LINK_TTL_HOURS: Final = 1
MAX_LINK_TTL_HOURS: Final = 720


@dataclass(frozen=True)
class MessagePrefs:
    quiet_start: time
    quiet_end: time
    frequency_cap: int
    frequency_window: timedelta
    use_customer_timezone: bool


def message_prefs(org: Organization) -> MessagePrefs:
    """The org's message settings (the columns default to the former constants)."""
    return MessagePrefs(
        quiet_start=time(org.quiet_start_hour),
        quiet_end=time(org.quiet_end_hour),
        frequency_cap=org.frequency_cap,
        frequency_window=FREQUENCY_WINDOW,
        use_customer_timezone=bool(org.use_customer_timezone),
    )
