from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tinko.audit.watch import watch
from tinko.db import Base, PortableJSON


class RecoveryRule(Base):
    """A rule's identity and its current version; deleting only sets `deleted_at`, so the
    versions that cases point at stay readable."""

    __tablename__ = "recovery_rule"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    current_version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class RecoveryRuleVersion(Base):
    """One saved version of a rule; never updated. Conditions and actions are stored as
    normalised by the validators (``condition_to_dict`` / ``action_to_dict``)."""

    __tablename__ = "recovery_rule_version"
    __table_args__ = (UniqueConstraint("rule_id", "version"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    rule_id: Mapped[str] = mapped_column(ForeignKey("recovery_rule.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean)
    conditions: Mapped[dict[str, Any]]
    actions: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON)
    created_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]


# Changes to these rows are audited with their before and after (tinko.audit.watch).
watch(RecoveryRule, "rule")
watch(RecoveryRuleVersion, "rule_version")
