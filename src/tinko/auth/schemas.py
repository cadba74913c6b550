from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
)

from tinko.kit.money import CurrencyCode
from tinko.tenancy.prefs import MAX_FREQUENCY_CAP, MAX_LINK_TTL_HOURS, MIN_LINK_TTL_HOURS

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionalName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Password = Annotated[str, Field(min_length=1, max_length=1024)]
RoleName = Literal["viewer", "admin", "owner"]
Hour = Annotated[int, Field(ge=0, le=23, strict=True)]  # a local hour of the day


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=4096)


class RegisterIn(StrictModel):
    email: EmailStr
    password: Password
    org_name: Name
    name: OptionalName = ""


class LoginIn(StrictModel):
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)]
    password: Password


class RefreshIn(StrictModel):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=512)]


class LogoutIn(StrictModel):
    refresh_token: Annotated[str, StringConstraints(max_length=512)] | None = None


class ForgotIn(StrictModel):
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)]


class ResetIn(StrictModel):
    token: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    password: Password


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    role: str
    org_id: str
    status: str = "active"
    created_at: datetime | None = None


class MeOut(BaseModel):
    id: str
    email: str | None
    name: str
    role: str
    org_id: str
    kind: Literal["user", "api_key"]


class OrgOut(BaseModel):
    id: str
    name: str
    slug: str
    timezone: str
    default_currency: str
    locale: str
    holdout_percent: int = Field(
        0, description="Share of customers (0-50 %) Tinko leaves alone to measure uplift."
    )
    link_ttl_hours: int = Field(48, description="How long a recovery link stays valid.")
    quiet_start_hour: int = Field(21, description="Local hour (0-23) quiet hours begin.")
    quiet_end_hour: int = Field(8, description="Local hour (0-23) quiet hours end.")
    frequency_cap: int = Field(3, description="Most messages to one customer in 24 hours.")
    use_customer_timezone: bool = Field(
        True, description="Follow the customer's clock (else the organisation's)."
    )


class OrgPatch(StrictModel):
    name: Name | None = None
    timezone: str | None = None
    default_currency: CurrencyCode | None = None
    locale: Literal["en", "en-IN", "hi", "ta"] | None = None
    holdout_percent: Annotated[int, Field(ge=0, le=50, strict=True)] | None = None
    link_ttl_hours: (
        Annotated[int, Field(ge=MIN_LINK_TTL_HOURS, le=MAX_LINK_TTL_HOURS, strict=True)] | None
    ) = None
    quiet_start_hour: Hour | None = None
    quiet_end_hour: Hour | None = None
    frequency_cap: Annotated[int, Field(ge=1, le=MAX_FREQUENCY_CAP, strict=True)] | None = None
    use_customer_timezone: StrictBool | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is not None and value not in available_timezones():
            raise ValueError(f"unknown timezone {value!r}; use an IANA name like Asia/Kolkata")
        return value


class TokenPairOut(BaseModel):
    user: UserOut
    org: OrgOut
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class InviteIn(StrictModel):
    email: EmailStr
    role: RoleName = "viewer"
    name: OptionalName = ""


class RolePatch(StrictModel):
    role: RoleName


class ApiKeyIn(StrictModel):
    name: Name
    role: RoleName = "admin"


class ApiKeyOut(BaseModel):
    id: str
    name: str
    role: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None = None


class ApiKeyCreated(ApiKeyOut):
    key: str
