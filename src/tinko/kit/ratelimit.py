"""Named rate limits (`login`, `register`, …) over the `limits` library: memory or Redis."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RateLimitExceeded(Exception):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"retry after {retry_after_seconds}s")
        self.retry_after_seconds = retry_after_seconds


class RateLimiter:
    def __init__(self, table: Mapping[str, str], storage_uri: str | None = None) -> None:
        self._items: dict[str, RateLimitItem] = {name: parse(v) for name, v in table.items()}
        self._storage = storage_from_string(storage_uri or "memory://")
        self._limiter = MovingWindowRateLimiter(self._storage)

    def hit(self, name: str, *keys: str) -> None:
        """Count one hit against each key (e.g. the IP and the account); refuse if any is over."""
        item = self._items[name]
        for key in keys:
            if not self._limiter.hit(item, name, key):
                stats = self._limiter.get_window_stats(item, name, key)
                raise RateLimitExceeded(max(1, math.ceil(stats.reset_time - time.time())))

    def reset(self) -> None:
        self._storage.reset()

    def check_storage(self) -> bool:
        return bool(self._storage.check())
