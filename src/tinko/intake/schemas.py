from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from tinko.kit.money import MAX_AMOUNT_MINOR, CurrencyCode
from tinko.policies.windows import zone

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Ref = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^\S+$")
]
# Bank debits use Stripe's PaymentMethod type names (ach_debit for us_bank_account), added
# after the first five: https://docs.stripe.com/api/payment_methods/object#payment_method_object-type
PaymentMethodType = Literal[
    "card",
    "upi",
    "netbanking",
    "wallet",
    "emandate",
    "ach_debit",
    "sepa_debit",
    "bacs_debit",
]

# Same bounds as Stripe's metadata (50 keys, 40-character keys, 500-character values), so
# anything a merchant forwards from Stripe fits. https://docs.stripe.com/api/metadata
METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    # A shape check only: intake must stay fast, and the address is validated properly
    # (deliverable syntax, IDNA) when a message is about to be sent to it.
    email: (
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
            ),
        ]
        | None
    ) = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    locale: (
        Annotated[str, StringConstraints(pattern=r"^[a-zA-Z]{2,3}([-_][a-zA-Z]{2,4})?$")] | None
    ) = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = None
    # The customer's IANA zone (additive): retries on paydays and quiet hours follow it.
    # Without it the zone is inferred from the phone or country, else the org's.
    timezone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            zone(value)
        except ValueError:
            raise ValueError("must be an IANA time zone name such as Asia/Kolkata") from None
        return value


class PaymentFailedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transaction_ref: Ref
    amount: int = Field(description="Minor units (49900 is ₹499.00).")
    currency: CurrencyCode
    gateway: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=40)]
    failure_code: Code | None = None
    decline_code: Code | None = None
    failure_message: Annotated[str, StringConstraints(max_length=1000)] | None = None
    network_advice_code: Annotated[str, StringConstraints(max_length=8)] | None = None
    network_decline_code: Annotated[str, StringConstraints(max_length=8)] | None = None
    payment_method_type: PaymentMethodType | None = None
    payment_method_ref: Ref | None = None
    card_network: Annotated[str, StringConstraints(to_lower=True, max_length=16)] | None = None
    card_issuer: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = (
        Field(
            default=None,
            description="The card's issuing bank (the PSP's card.issuer): retries wait while it "
            "is seen down.",
        )
    )
    customer: CustomerIn = Field(default_factory=CustomerIn)
    occurred_at: AwareDatetime
    metadata: dict[str, Any] | None = None

    @field_validator("amount", mode="before")
    @classmethod
    def _integer_amount(cls, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be an integer in minor units (49900 for 499.00)")
        return value

    @field_validator("amount")
    @classmethod
    def _positive_amount(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("must be greater than zero")
        if value > MAX_AMOUNT_MINOR:
            raise ValueError(f"is implausibly large (more than {MAX_AMOUNT_MINOR} minor units)")
        return value

    @field_validator("metadata")
    @classmethod
    def _bounded_metadata(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        if len(value) > METADATA_MAX_KEYS:
            raise ValueError(f"has {len(value)} keys; at most {METADATA_MAX_KEYS} are kept")
        for key, item in value.items():
            if len(key) > METADATA_MAX_KEY_LENGTH:
                raise ValueError(f"key {key[:20]!r}… is longer than {METADATA_MAX_KEY_LENGTH}")
            if not isinstance(item, str | int | float | bool) and item is not None:
                raise ValueError(f"value of {key!r} must be a string, number or boolean")
            if isinstance(item, str) and len(item) > METADATA_MAX_VALUE_LENGTH:
                raise ValueError(f"value of {key!r} is longer than {METADATA_MAX_VALUE_LENGTH}")
        return value


class RecoveryRef(BaseModel):
    id: str
    status: str
    next_action_at: datetime | None


class PaymentFailedOut(BaseModel):
    event_id: str
    transaction_id: str
    classification: dict[str, Any]
    recovery: RecoveryRef | None


class ClassifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gateway: Annotated[str, StringConstraints(max_length=40)] | None = None
    failure_code: Annotated[str, StringConstraints(max_length=100)] | None = None
    decline_code: Annotated[str, StringConstraints(max_length=100)] | None = None
    network_advice_code: Annotated[str, StringConstraints(max_length=8)] | None = None
    network_decline_code: Annotated[str, StringConstraints(max_length=8)] | None = None
    failure_message: Annotated[str, StringConstraints(max_length=1000)] | None = None
    payment_method_type: PaymentMethodType | None = None
    card_network: Annotated[str, StringConstraints(max_length=16)] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = None


class EventOut(BaseModel):
    id: str
    kind: str
    source: str
    external_id: str | None
    event_type: str | None
    occurred_at: datetime
    received_at: datetime
    amount: int
    currency: str
    failure_code: str | None
    decline_code: str | None
    network_advice_code: str | None
    failure_message: str | None
    payment_method_type: str | None
    classification: dict[str, Any] | None


class WebhookEndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    psp: Literal["stripe", "razorpay"]


class WebhookEndpointOut(BaseModel):
    id: str
    psp: str
    url: str
    created_at: datetime
    rotated_at: datetime | None


class WebhookEndpointCreated(WebhookEndpointOut):
    secret: str
