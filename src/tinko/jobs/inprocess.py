"""The in-process runner: a small thread pool for submitted jobs and a ticker for periodic ones."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import structlog

from tinko.jobs.registry import JobContext, periodic_jobs, run_job

log = structlog.get_logger("tinko.jobs")


class InProcessRunner:
    def __init__(self, ctx: JobContext, *, workers: int = 2, periodic: bool = True) -> None:
        self.ctx = ctx
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tinko-job")
        self._futures: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._periodic = periodic

    def start(self) -> None:
        if self._periodic and self._ticker is None:
            self._ticker = threading.Thread(target=self._tick, name="tinko-ticker", daemon=True)
            self._ticker.start()

    def submit(self, name: str, kwargs: dict[str, Any]) -> None:
        future = self._pool.submit(self._run, name, kwargs)
        with self._lock:
            self._futures.add(future)
        future.add_done_callback(self._forget)

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every submitted job (and the jobs they submitted) has finished."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._futures)
            if not pending:
                return
            for future in pending:
                future.result(timeout=max(0.0, deadline - time.monotonic()))

    def stop(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=False)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._futures.discard(future)

    def _run(self, name: str, kwargs: dict[str, Any]) -> None:
        try:
            run_job(self.ctx, name, kwargs)
        except Exception:
            # The row stays as it was; the domain's sweep will offer it again.
            log.exception("job_failed", job=name)

    def _tick(self) -> None:
        next_run: dict[str, float] = {}
        while not self._stop.is_set():
            now = time.monotonic()
            for spec in periodic_jobs():
                assert spec.every_seconds is not None
                if next_run.get(spec.name, 0.0) <= now:
                    next_run[spec.name] = now + spec.every_seconds
                    self.submit(spec.name, {})
            self._stop.wait(0.5)
