"""Small builders shared by the rules tests."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from tinko.rules import (
    Action,
    RuleSpec,
    RuleValidationError,
    StopAction,
    evaluate,
    validate_actions,
    validate_conditions,
)


def rule(
    conditions: object,
    *,
    rule_id: str = "r1",
    priority: int = 100,
    enabled: bool = True,
    actions: tuple[Action, ...] = (StopAction(),),
    version: int = 1,
) -> RuleSpec:
    return RuleSpec(
        id=rule_id,
        version=version,
        name=f"rule {rule_id}",
        priority=priority,
        enabled=enabled,
        conditions=validate_conditions(conditions),
        actions=actions,
    )


def leaf(field: str, op: str, value: object) -> dict[str, object]:
    return {"field": field, "op": op, "value": value}


def holds(condition: object, context: Mapping[str, object]) -> bool:
    """Whether a single rule with ``condition`` matches ``context``."""
    return evaluate([rule(condition)], context).matched is not None


def condition_errors(raw: object) -> list[dict[str, object]]:
    with pytest.raises(RuleValidationError) as caught:
        validate_conditions(raw)
    return caught.value.errors


def action_errors(raw: object) -> list[dict[str, object]]:
    with pytest.raises(RuleValidationError) as caught:
        validate_actions(raw)
    return caught.value.errors


def locs(errors: list[dict[str, object]]) -> list[object]:
    return [error["loc"] for error in errors]
