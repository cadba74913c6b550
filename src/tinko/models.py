"""Imports every domain's models so that metadata (Alembic, tests) sees the whole schema."""

from tinko.analytics.models import AnalyticsCaseFact, AnalyticsDaily, AnalyticsRollupState
from tinko.audit.models import AuditCheckpoint, AuditEvent, AuditHead, AuditPrune
from tinko.auth.models import ApiKey, OneTimeToken, RefreshToken, User
from tinko.db import Base
from tinko.intake.models import (
    IdempotencyRecord,
    InboundCall,
    WebhookDelivery,
    WebhookEndpoint,
)
from tinko.merchant_webhooks.models import (
    MerchantWebhookAttempt,
    MerchantWebhookDelivery,
    MerchantWebhookEndpoint,
)
from tinko.notify.models import (
    MessageTemplate,
    MessageTemplateVersion,
    NotificationOptOut,
    OutboundMessage,
)
from tinko.onboarding.models import OnboardingState
from tinko.payments.models import PaymentEvent, Transaction
from tinko.policies.models import RetryPolicy
from tinko.psp.models import PspCheckout, PspCredential, SandboxCharge, SandboxEvent
from tinko.recovery.models import RecoveryAttempt, RecoveryCase, RecoveryLink, TimelineEntry
from tinko.rules.models import RecoveryRule, RecoveryRuleVersion
from tinko.tenancy.models import Organization

__all__ = [
    "AnalyticsCaseFact",
    "AnalyticsDaily",
    "AnalyticsRollupState",
    "ApiKey",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditHead",
    "AuditPrune",
    "Base",
    "IdempotencyRecord",
    "InboundCall",
    "MerchantWebhookAttempt",
    "MerchantWebhookDelivery",
    "MerchantWebhookEndpoint",
    "MessageTemplate",
    "MessageTemplateVersion",
    "NotificationOptOut",
    "OnboardingState",
    "OneTimeToken",
    "Organization",
    "OutboundMessage",
    "PaymentEvent",
    "PspCheckout",
    "PspCredential",
    "RecoveryAttempt",
    "RecoveryCase",
    "RecoveryLink",
    "RecoveryRule",
    "RecoveryRuleVersion",
    "RefreshToken",
    "RetryPolicy",
    "SandboxCharge",
    "SandboxEvent",
    "TimelineEntry",
    "Transaction",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
]
