"""Bodies of `POST /v1/orgs/init` (docs/api.md "Onboarding in one call")."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tinko.auth.schemas import Name, OrgOut
from tinko.kit.money import CurrencyCode
from tinko.onboarding.presets import DEFAULT_PRESET

PresetName = Literal["recommended", "gentle", "persistent"]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=4096)


class OrgDetailsIn(StrictModel):
    name: Name
    timezone: str = Field(description="An IANA time zone, e.g. Asia/Kolkata.")
    currency: CurrencyCode = Field(description="The default ISO 4217 currency, e.g. INR.")
    language: Literal["en", "hi", "ta"] = Field(description="Language of the console and mail.")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError(f"unknown timezone {value!r}; use an IANA name like Asia/Kolkata")
        return value


class PspIn(StrictModel):
    """`name` stripe with `secret_key` (+ `publishable_key`), razorpay with `key_id` and
    `key_secret`, or sandbox (no keys: Tinko's built-in test PSP)."""

    name: Literal["stripe", "razorpay", "sandbox"]
    secret_key: str | None = Field(default=None, max_length=255)
    publishable_key: str | None = Field(default=None, max_length=255)
    key_id: str | None = Field(default=None, max_length=64)
    key_secret: str | None = Field(default=None, max_length=128)


class OrgInitIn(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "org": {
                        "name": "Chai Point",
                        "timezone": "Asia/Kolkata",
                        "currency": "INR",
                        "language": "en",
                    },
                    "psp": {"name": "stripe", "secret_key": "sk_test_…"},
                    "policy_preset": "recommended",
                }
            ]
        },
    )

    org: OrgDetailsIn
    psp: PspIn
    policy_preset: PresetName = DEFAULT_PRESET
    go_live: Annotated[bool, Field(description="Finish onboarding (default true).")] = True


class PspOut(BaseModel):
    name: str
    livemode: bool | None = None
    verify_detail: str | None = None


class WebhookOut(BaseModel):
    id: str
    url: str
    secret: str | None = Field(
        description="Shown in the first answer only (and its Idempotency-Key replays); null "
        "when onboarding made this endpoint earlier. Rotate it with "
        "POST /v1/webhook-endpoints/{id}/rotate."
    )
    events: list[str] = Field(description="Subscribe these in the PSP's dashboard.")


class PolicyChoiceOut(BaseModel):
    preset: str
    policy_id: str | None = Field(description="null: Tinko's built-in defaults per decline.")


class OnboardingOut(BaseModel):
    step: str
    live: bool


class OrgInitOut(BaseModel):
    org: OrgOut
    psp: PspOut
    webhook: WebhookOut | None
    policy: PolicyChoiceOut
    onboarding: OnboardingOut
