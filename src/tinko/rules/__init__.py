"""Recovery rules: a small, safe condition language and the actions a matching rule takes.

This front door and the evaluation (`engine`, `conditions`, `fields`, `actions`) are pure: no
database, no I/O, no clock reads, and no user code is ever evaluated; `models` and `service`
keep the merchant's rules. See ``engine`` for the evaluation semantics the API documents.
"""

from __future__ import annotations

from tinko.rules.actions import (
    ACTION_TYPES,
    CHANNELS,
    OFFER_METHODS,
    RETRY_WINDOWS,
    Action,
    NotifyMerchantAction,
    OfferMethodsAction,
    RetryAction,
    SendLinkAction,
    StopAction,
    action_to_dict,
    validate_actions,
)
from tinko.rules.conditions import (
    MAX_DEPTH,
    MAX_NODES,
    OPERATORS,
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    Not,
    condition_to_dict,
    validate_conditions,
)
from tinko.rules.engine import Decision, RuleSpec, TraceStep, evaluate
from tinko.rules.errors import RuleValidationError
from tinko.rules.fields import CONTEXT_FIELDS, FieldSpec, field_spec

__all__ = [
    "ACTION_TYPES",
    "CHANNELS",
    "CONTEXT_FIELDS",
    "MAX_DEPTH",
    "MAX_NODES",
    "OFFER_METHODS",
    "OPERATORS",
    "RETRY_WINDOWS",
    "Action",
    "AllOf",
    "AnyOf",
    "Comparison",
    "Condition",
    "Decision",
    "FieldSpec",
    "Not",
    "NotifyMerchantAction",
    "OfferMethodsAction",
    "RetryAction",
    "RuleSpec",
    "RuleValidationError",
    "SendLinkAction",
    "StopAction",
    "TraceStep",
    "action_to_dict",
    "condition_to_dict",
    "evaluate",
    "field_spec",
    "validate_actions",
    "validate_conditions",
]
