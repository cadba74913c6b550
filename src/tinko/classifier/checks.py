"""Typed field checks for the data loader; each failure names the file and the key."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from tinko.classifier.errors import ClassifierDataError
from tinko.classifier.model import CATEGORIES, PAYMENT_METHODS, RECOMMENDED_ACTIONS, DeclineType


class Ctx:
    """File name plus helpers that raise errors naming it."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, key: str | None, problem: str) -> ClassifierDataError:
        return ClassifierDataError(self.file, key, problem)

    def mapping(self, value: object, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "must be a mapping")
        for k in value:
            if not isinstance(k, str):
                raise self.fail(f"{key}.{k!r}", "keys must be quoted strings")
        return cast(dict[str, Any], value)

    def required(self, data: Mapping[str, Any], name: str, key: str) -> Any:
        if name not in data or data[name] is None:
            raise self.fail(f"{key}.{name}" if key else name, "missing required field")
        return data[name]

    def text(self, value: object, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        return value.strip()

    def string_list(self, value: object, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, "must be a list of strings")
        return tuple(value)

    def day(self, value: object, key: str) -> date:
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(key, f"must be a date (YYYY-MM-DD), got {value!r}")

    def unit(self, value: object, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise self.fail(key, f"must be a number in [0, 1], got {value!r}")
        return float(value)

    def seconds(self, value: object, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(key, f"must be a whole number of seconds >= 0, got {value!r}")
        return value

    def flag(self, value: object, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, got {value!r}")
        return value

    def category(self, value: object, key: str) -> str:
        if value not in CATEGORIES:
            raise self.fail(key, f"unknown category {value!r}")
        return str(value)

    def decline_type(self, value: object, key: str) -> DeclineType:
        if value not in ("soft", "hard"):
            raise self.fail(key, f"decline_type must be 'soft' or 'hard', got {value!r}")
        return "soft" if value == "soft" else "hard"

    def action(self, value: object, key: str) -> str:
        if value not in RECOMMENDED_ACTIONS:
            raise self.fail(key, f"unknown recommended_action {value!r}")
        return str(value)

    def methods(self, value: object, key: str) -> tuple[str, ...]:
        methods = self.string_list(value, key)
        for m in methods:
            if m not in PAYMENT_METHODS:
                raise self.fail(key, f"unknown payment method {m!r}")
        return methods
