from __future__ import annotations

import re

from tinko.kit.ids import new_id


def test_id_has_prefix_and_fixed_length() -> None:
    assert re.fullmatch(r"txn_[0-9a-hjkmnp-tv-z]{26}", new_id("txn"))


def test_ids_are_unique() -> None:
    assert len({new_id("x") for _ in range(10_000)}) == 10_000


def test_ids_sort_by_creation_time(monkeypatch: object) -> None:
    import tinko.kit.ids as ids

    moments = iter([1_000_000_000_000_000, 1_000_000_001_000_000])
    monkeypatch.setattr(ids.time, "time_ns", lambda: next(moments))  # type: ignore[attr-defined]
    first, second = new_id("x"), new_id("x")
    assert first < second
