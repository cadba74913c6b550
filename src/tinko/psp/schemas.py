"""Bodies of /v1/psp-credentials (docs/api.md "The endpoint groups")."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PspCredentialsIn(BaseModel):
    """Stripe: `secret_key` (+ `publishable_key`); Razorpay: `key_id` + `key_secret`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"secret_key": "sk_test_…", "publishable_key": "pk_test_…"},
                {"key_id": "rzp_test_…", "key_secret": "…"},
            ]
        },
    )

    secret_key: str | None = Field(default=None, max_length=255)
    publishable_key: str | None = Field(default=None, max_length=255)
    key_id: str | None = Field(default=None, max_length=64)
    key_secret: str | None = Field(default=None, max_length=128)


class FieldState(BaseModel):
    set: bool
    hint: str | None = None  # e.g. "sk_test_…4242"; never the secret


class PspCredentialsOut(BaseModel):
    psp: str
    configured: bool
    livemode: bool | None = None
    fields: dict[str, FieldState]
    verified_at: datetime | None = None
    verify_ok: bool | None = None
    verify_detail: str | None = None
    updated_at: datetime | None = None


class PspCredentialsList(BaseModel):
    data: list[PspCredentialsOut]


class VerifyOut(BaseModel):
    ok: bool
    detail: str
