"""A small HTTP/1.1 keep-alive load generator on asyncio streams.

httpx spends more CPU per request than the servers under test, and on a two-core machine the
client's CPU is taken from the server's; a bare-bones client keeps the measurement about the
server. Closed loop (C clients, as fast as answers come) and open loop (a fixed rate).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0

    def record(self, status: int, started: float) -> None:
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def summary(self, ok_status: int) -> dict[str, float]:
        ordered = sorted(self.latencies_ms)
        count = len(ordered)
        return {
            "requests": count,
            "per_second": self.statuses.get(ok_status, 0) / self.elapsed if self.elapsed else 0,
            "p50_ms": statistics.median(ordered) if ordered else 0.0,
            "p99_ms": ordered[max(0, int(count * 0.99) - 1)] if ordered else 0.0,
            "errors": count - self.statuses.get(ok_status, 0),
        }


class Connection:
    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.path = (
            parts.hostname or "127.0.0.1",
            parts.port or 80,
            parts.path,
        )
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.head = f"POST {self.path} HTTP/1.1\r\nHost: {self.host}\r\n{extra}"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: dict[str, Any]) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        payload = json.dumps(body).encode()
        head = (
            f"{self.head}Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        self.writer.write(head.encode() + payload)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def closed_loop(
    url: str,
    headers: dict[str, str],
    body: Callable[[], dict[str, Any]],
    seconds: float,
    concurrency: int,
) -> Stats:
    stats = Stats()
    stop = time.monotonic() + seconds

    async def client() -> None:
        connection = Connection(url, headers)
        try:
            while time.monotonic() < stop:
                started = time.perf_counter()
                stats.record(await connection.post(body()), started)
        finally:
            connection.close()

    begin = time.monotonic()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    stats.elapsed = time.monotonic() - begin
    return stats


async def open_loop(
    url: str,
    headers: dict[str, str],
    body: Callable[[], dict[str, Any]],
    seconds: float,
    rate: float,
    pool: int = 64,
) -> Stats:
    """Requests start on a fixed schedule; each is timed from its scheduled start, so a slow
    server shows up as latency rather than as a lower request rate (no coordinated omission)."""
    stats = Stats()
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(pool):
        idle.put_nowait(Connection(url, headers))

    async def one(scheduled: float) -> None:
        connection = await idle.get()
        try:
            status = await connection.post(body())
        except (ConnectionError, asyncio.IncompleteReadError):
            connection.close()
            connection = Connection(url, headers)
            status = 599
        idle.put_nowait(connection)
        stats.record(status, scheduled)

    begin_mono, begin_perf = time.monotonic(), time.perf_counter()
    tasks = []
    for i in range(int(seconds * rate)):
        delay = begin_mono + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(begin_perf + i / rate)))
    await asyncio.gather(*tasks)
    stats.elapsed = time.monotonic() - begin_mono
    while not idle.empty():
        idle.get_nowait().close()
    return stats
