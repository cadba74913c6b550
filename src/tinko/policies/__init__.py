"""Retry policies: the merchant's `/v1/retry-policies` and the built-in default per decline
category. The engine calls ``policy_for`` and reads a ``PolicySpec``."""

from __future__ import annotations

from tinko.policies.defaults import PolicySpec, default_policy
from tinko.policies.service import policy_for

__all__ = ["PolicySpec", "default_policy", "policy_for"]
