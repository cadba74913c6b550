"""The retry policy presets a new organisation picks from (pure data, no I/O).

`recommended` stores no policy: the engine then follows Tinko's built-in default for each
decline category (policies/data/default_policies.yaml, with its sources). The others are
one catch-all policy in the /v1/retry-policies shape, saved through policies.service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final


@dataclass(frozen=True)
class Preset:
    key: str  # its name and summary in the console: console/onboarding_steps.PRESET_WORDS
    body: dict[str, Any] | None  # None: the built-in defaults, no policy row

    def policy_fields(self, timezone: str) -> dict[str, Any] | None:
        """The policy body for an organisation in `timezone` (None for the built-ins)."""
        if self.body is None:
            return None
        windows = {"timezone": timezone, "preset": self.body["window"]}
        fields = {k: v for k, v in self.body.items() if k != "window"}
        return {**fields, "windows": windows, "active": True, "categories": []}


PRESETS: Final = (
    Preset(
        "recommended",
        None,
    ),
    Preset(
        "gentle",
        {
            "name": "Gentle (onboarding preset)",
            "strategy": "backoff",
            "max_attempts": 2,
            "initial_delay_minutes": 2880,
            "backoff_multiplier": 2.0,
            "max_delay_minutes": 5760,
            "channels": ["email"],
            "window": "business_hours",
            "window_days": 14,
            "quiet_hours": {"start": "21:00", "end": "09:00"},
            "learned_timing": False,
        },
    ),
    Preset(
        "persistent",
        {
            "name": "Persistent (onboarding preset)",
            "strategy": "backoff",
            "max_attempts": 6,
            "initial_delay_minutes": 720,
            "backoff_multiplier": 2.0,
            "max_delay_minutes": 4320,
            "channels": ["sms", "email"],
            "window": "anytime",
            "window_days": 28,
            "quiet_hours": {"start": "21:00", "end": "08:00"},
            "learned_timing": False,
        },
    ),
)
DEFAULT_PRESET: Final = "recommended"
BY_KEY: Final = {preset.key: preset for preset in PRESETS}
PRESET_KEYS: Final = tuple(BY_KEY)
