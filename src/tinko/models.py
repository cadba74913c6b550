"""Imports every domain's models so that metadata (Alembic, tests) sees the whole schema."""

from tinko.auth.models import ApiKey, OneTimeToken, RefreshToken, User
from tinko.db import Base
from tinko.notify.models import OutboundMessage
from tinko.tenancy.models import Organization

__all__ = [
    "ApiKey",
    "Base",
    "OneTimeToken",
    "Organization",
    "OutboundMessage",
    "RefreshToken",
    "User",
]
