"""Rule use cases: versioned saves, soft delete, and the rule sets the engine evaluates.

Every save (POST, PUT) writes a new immutable ``recovery_rule_version`` row (1, 2, 3 …) and
moves the rule's ``current_version`` to it. DELETE only stamps ``deleted_at``: the rule leaves
the API and the engine, and its versions stay readable through ``rule_version`` for the cases
that used them. Services flush, never commit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

import structlog
from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from tinko.errors import AppError, Conflict, NotFound, Unprocessable
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.pagination import PageParams, paginate
from tinko.rules.actions import Action, action_to_dict, validate_actions
from tinko.rules.conditions import Condition, condition_to_dict, validate_conditions
from tinko.rules.engine import Decision, RuleSpec, evaluate
from tinko.rules.errors import RuleValidationError
from tinko.rules.models import RecoveryRule, RecoveryRuleVersion

log = structlog.get_logger("tinko.rules")

MAX_CONTEXT_BYTES = 64 * 1024
_NOT_FOUND = "No such rule in your organisation."


class RuleInvalid(Unprocessable):
    """A 422 listing every problem found in the conditions and the actions."""

    def __init__(self, errors: Sequence[Mapping[str, Any]]) -> None:
        first = errors[0]
        where = ".".join(str(part) for part in first["loc"][1:])
        AppError.__init__(self, f"{where}: {first['msg']}", errors=errors)


class RuleChanged(Conflict):
    """The rule was saved by someone else since the caller read it (optimistic concurrency)."""

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(
            f"The rule changed since version {expected}: it is at version {current} now.",
            extensions={"current_version": current},
        )
        self.current = current


def check_rule(conditions: object, actions: object) -> tuple[Condition, tuple[Action, ...]]:
    """Both parts validated; one RuleInvalid with the errors of both when either fails."""
    errors: list[dict[str, object]] = []
    tree: Condition | None = None
    parsed: tuple[Action, ...] = ()
    try:
        tree = validate_conditions(conditions, loc_prefix=("body", "conditions"))
    except RuleValidationError as exc:
        errors.extend(exc.errors)
    try:
        parsed = validate_actions(actions, loc_prefix=("body", "actions"))
    except RuleValidationError as exc:
        errors.extend(exc.errors)
    if errors or tree is None:
        raise RuleInvalid(errors)
    return tree, parsed


# --- use cases ------------------------------------------------------------------------------


def create_rule(
    session: Session, clock: Clock, org_id: str, fields: Mapping[str, Any], created_by: str
) -> tuple[RecoveryRule, RecoveryRuleVersion]:
    tree, actions = check_rule(fields["conditions"], fields["actions"])
    now = clock.now()
    rule = RecoveryRule(
        id=new_id("rul"),
        org_id=org_id,
        current_version=1,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(rule)
    version = _add_version(session, clock, rule, fields, tree, actions, created_by)
    session.flush()
    return rule, version


def save_version(
    session: Session,
    clock: Clock,
    org_id: str,
    rule_id: str,
    fields: Mapping[str, Any],
    created_by: str,
    *,
    expected_version: int | None = None,
) -> tuple[RecoveryRule, RecoveryRuleVersion]:
    """PUT: the body becomes the rule's next version; earlier versions are untouched.

    With ``expected_version`` (the version the caller edited) a rule saved meanwhile by
    someone else raises RuleChanged instead of being silently overwritten."""
    tree, actions = check_rule(fields["conditions"], fields["actions"])
    rule = _live_rule(session, org_id, rule_id, for_update=True)
    if expected_version is not None and expected_version != rule.current_version:
        raise RuleChanged(expected_version, rule.current_version)
    rule.current_version += 1
    rule.updated_at = clock.now()
    version = _add_version(session, clock, rule, fields, tree, actions, created_by)
    session.flush()
    return rule, version


def _add_version(
    session: Session,
    clock: Clock,
    rule: RecoveryRule,
    fields: Mapping[str, Any],
    tree: Condition,
    actions: tuple[Action, ...],
    created_by: str,
) -> RecoveryRuleVersion:
    version = RecoveryRuleVersion(
        id=new_id("rlv"),
        org_id=rule.org_id,
        rule_id=rule.id,
        version=rule.current_version,
        name=fields["name"],
        priority=fields["priority"],
        enabled=fields["enabled"],
        conditions=condition_to_dict(tree),
        actions=[action_to_dict(action) for action in actions],
        created_by=created_by,
        created_at=clock.now(),
    )
    session.add(version)
    return version


def restore_version(
    session: Session,
    clock: Clock,
    org_id: str,
    rule_id: str,
    version: int,
    created_by: str,
    *,
    expected_version: int | None = None,
) -> tuple[RecoveryRule, RecoveryRuleVersion]:
    """Roll back: an earlier version's content saved as the rule's next version."""
    old = _version_row(session, org_id, rule_id, version)
    if old is None:
        raise NotFound("No such version of this rule.")
    return save_version(
        session,
        clock,
        org_id,
        rule_id,
        fields_of(old),
        created_by,
        expected_version=expected_version,
    )


def move_rule(
    session: Session, clock: Clock, org_id: str, rule_id: str, step: int, created_by: str
) -> None:
    """Reorder: swap the rule with its neighbour (``step`` -1 up, +1 down) in evaluation
    order; each rule whose priority changes gets a new version. Ties are spread out first."""
    rows = sorted(
        (version for _, version in session.execute(_current(org_id))),
        key=lambda v: (v.priority, v.rule_id),
    )
    index = next((i for i, v in enumerate(rows) if v.rule_id == rule_id), None)
    if index is None:
        raise NotFound(_NOT_FOUND)
    other = index + step
    if not 0 <= other < len(rows):
        return  # already first or last
    order = [v.rule_id for v in rows]
    order[index], order[other] = order[other], order[index]
    wanted = {v.rule_id: v.priority for v in rows}
    a, b = rows[index], rows[other]
    if a.priority != b.priority:
        wanted[a.rule_id], wanted[b.rule_id] = b.priority, a.priority
    else:
        wanted = {rid: (i + 1) * 10 for i, rid in enumerate(order)}
    for version in rows:
        if wanted[version.rule_id] != version.priority:
            fields = {**fields_of(version), "priority": wanted[version.rule_id]}
            save_version(session, clock, org_id, version.rule_id, fields, created_by)


def fields_of(version: RecoveryRuleVersion) -> dict[str, Any]:
    """A saved version as the fields a save takes."""
    return {
        "name": version.name,
        "priority": version.priority,
        "enabled": version.enabled,
        "conditions": version.conditions,
        "actions": version.actions,
    }


def get_version(session: Session, org_id: str, rule_id: str, version: int) -> RecoveryRuleVersion:
    row = _version_row(session, org_id, rule_id, version)
    if row is None:
        raise NotFound("No such version of this rule.")
    return row


def delete_rule(session: Session, clock: Clock, org_id: str, rule_id: str) -> None:
    rule = _live_rule(session, org_id, rule_id, for_update=True)
    rule.deleted_at = clock.now()
    rule.updated_at = rule.deleted_at
    session.flush()


def get_rule(
    session: Session, org_id: str, rule_id: str
) -> tuple[RecoveryRule, RecoveryRuleVersion]:
    row = session.execute(_current(org_id).where(RecoveryRule.id == rule_id)).one_or_none()
    if row is None:
        raise NotFound(_NOT_FOUND)
    rule, version = row
    return rule, version


def list_rules(
    session: Session, org_id: str, params: PageParams
) -> list[tuple[RecoveryRule, RecoveryRuleVersion]]:
    # paginate takes a one-entity Select; this one selects a (rule, version) pair.
    statement = paginate(cast("Select[Any]", _current(org_id)), RecoveryRule.id, params)
    return [(rule, version) for rule, version in session.execute(statement)]


def list_versions(session: Session, org_id: str, rule_id: str) -> list[RecoveryRuleVersion]:
    """Every version of a live rule, newest first."""
    _live_rule(session, org_id, rule_id)
    return list(
        session.scalars(
            select(RecoveryRuleVersion)
            .where(RecoveryRuleVersion.org_id == org_id, RecoveryRuleVersion.rule_id == rule_id)
            .order_by(RecoveryRuleVersion.version.desc())
        ).all()
    )


def try_rules(session: Session, org_id: str, context: Mapping[str, Any]) -> Decision:
    """Evaluate the org's current rules against a sample context, as the engine would."""
    size = len(json.dumps(context, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_CONTEXT_BYTES:
        raise Unprocessable(
            f"context is {size} bytes; at most {MAX_CONTEXT_BYTES}", loc=["body", "context"]
        )
    return evaluate(current_rules(session, org_id), context)


def _live_rule(
    session: Session, org_id: str, rule_id: str, *, for_update: bool = False
) -> RecoveryRule:
    statement = select(RecoveryRule).where(
        RecoveryRule.org_id == org_id,
        RecoveryRule.id == rule_id,
        RecoveryRule.deleted_at.is_(None),
    )
    if for_update:  # two saves of one rule take version numbers one after the other
        statement = statement.with_for_update()
    rule = session.scalars(statement).one_or_none()
    if rule is None:
        raise NotFound(_NOT_FOUND)
    return rule


def _current(org_id: str) -> Select[RecoveryRule, RecoveryRuleVersion]:
    """Live rules of the org joined to their current version."""
    return (
        select(RecoveryRule, RecoveryRuleVersion)
        .join(
            RecoveryRuleVersion,
            and_(
                RecoveryRuleVersion.rule_id == RecoveryRule.id,
                RecoveryRuleVersion.version == RecoveryRule.current_version,
            ),
        )
        .where(
            RecoveryRule.org_id == org_id,
            RecoveryRuleVersion.org_id == org_id,
            RecoveryRule.deleted_at.is_(None),
        )
    )


# --- what the engine reads ------------------------------------------------------------------


def current_rules(session: Session, org_id: str) -> list[RuleSpec]:
    """The current version of each non-deleted rule of the org, disabled ones included
    (``evaluate`` skips them and says so in the trace)."""
    rows = session.scalars(
        _current(org_id).with_only_columns(RecoveryRuleVersion).order_by(RecoveryRule.id)
    ).all()
    specs = (to_spec(row) for row in rows)
    return [spec for spec in specs if spec is not None]


def rule_version(session: Session, org_id: str, rule_id: str, version: int) -> RuleSpec | None:
    """One saved version, even of a deleted rule (a case shows the rule it followed)."""
    row = _version_row(session, org_id, rule_id, version)
    return None if row is None else to_spec(row)


def _version_row(
    session: Session, org_id: str, rule_id: str, version: int
) -> RecoveryRuleVersion | None:
    return session.scalars(
        select(RecoveryRuleVersion).where(
            RecoveryRuleVersion.org_id == org_id,
            RecoveryRuleVersion.rule_id == rule_id,
            RecoveryRuleVersion.version == version,
        )
    ).one_or_none()


def to_spec(row: RecoveryRuleVersion) -> RuleSpec | None:
    """The stored version as the engine's RuleSpec; None (logged) if it no longer validates,
    which can only happen if the condition language were ever made stricter."""
    try:
        conditions = validate_conditions(row.conditions)
        actions = validate_actions(row.actions)
    except RuleValidationError as exc:
        log.warning(
            "rule_version_invalid", rule_id=row.rule_id, version=row.version, error=str(exc)
        )
        return None
    return RuleSpec(
        id=row.rule_id,
        version=row.version,
        name=row.name,
        priority=row.priority,
        enabled=row.enabled,
        conditions=conditions,
        actions=actions,
    )
