"""Imports every domain's models so that metadata (Alembic, tests) sees the whole schema."""

from tinko.auth.models import ApiKey, OneTimeToken, RefreshToken, User
from tinko.db import Base
from tinko.intake.models import (
    IdempotencyRecord,
    PaymentEvent,
    Transaction,
    WebhookDelivery,
    WebhookEndpoint,
)
from tinko.notify.models import OutboundMessage
from tinko.policies.models import RetryPolicy
from tinko.psp.models import SandboxCharge
from tinko.recovery.models import RecoveryAttempt, RecoveryCase, RecoveryLink, TimelineEntry
from tinko.rules.models import RecoveryRule, RecoveryRuleVersion
from tinko.tenancy.models import Organization

__all__ = [
    "ApiKey",
    "Base",
    "IdempotencyRecord",
    "OneTimeToken",
    "Organization",
    "OutboundMessage",
    "PaymentEvent",
    "RecoveryAttempt",
    "RecoveryCase",
    "RecoveryLink",
    "RecoveryRule",
    "RecoveryRuleVersion",
    "RefreshToken",
    "RetryPolicy",
    "SandboxCharge",
    "TimelineEntry",
    "Transaction",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
]
