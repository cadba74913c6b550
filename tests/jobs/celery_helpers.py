"""A real Celery worker process for the scale-out tests, and Redis databases per test process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.conftest import TEST_SECRET
from tinko.config import ENV_PREFIX, Settings
from tinko.jobs.celery_app import make_celery

REDIS_URL = os.environ.get("TINKO_TEST_REDIS_URL", "")
WAIT_SECONDS = 30.0


def redis_url(slot: int) -> str:
    """A Redis database of its own for this pytest worker (gw0, gw1, …) and `slot` (0 or 1),
    so that parallel test processes neither share a queue nor flush each other's keys."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    index = int(worker) if worker.isdigit() else 0
    db = 1 + (2 * index + slot) % 15  # database 0 is left to whoever else uses this server
    parts = urlsplit(REDIS_URL)
    return urlunsplit(parts._replace(path=f"/{db}"))


def closed_port_url() -> str:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # nothing listens there once the probe is closed


class WorkerProcess:
    """`tinko worker --concurrency 1` in its own process group, logging to a file."""

    def __init__(self, *, database_url: str, broker_url: str, var_dir: Path) -> None:
        self.broker_url = broker_url
        self.var_dir = var_dir
        self.log_path = var_dir / "worker.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
        env |= {
            "TINKO_ENV": "test",
            "TINKO_DATABASE_URL": database_url,
            "TINKO_BROKER_URL": broker_url,
            "TINKO_SECRET_KEY": TEST_SECRET,
            "TINKO_VAR_DIR": str(var_dir),
            "TINKO_LOG_LEVEL": "info",
        }
        self._env = env
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "tinko.cli", "worker", "--concurrency", "1"],
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its pool children can be stopped with it
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        settings = Settings(broker_url=self.broker_url, secret_key=TEST_SECRET)
        celery = make_celery(settings)
        try:
            wait_for(lambda: bool(celery.control.ping(timeout=0.5)), self, "the worker to answer")
        finally:
            celery.close()

    def exit_code(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"

    def stop(self) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()  # warm shutdown: finish the running job, then exit
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def wait_for(condition: Callable[[], bool], worker: WorkerProcess, what: str) -> None:
    """Poll until `condition()` holds: another process does the work, so this waits for it
    (bounded) rather than timing it. Fails with the worker's log."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        code = worker.exit_code()
        if code is not None:
            raise AssertionError(f"worker exited ({code}) before {what}; its log:\n{worker.log()}")
        if time.monotonic() > deadline:
            raise AssertionError(
                f"waited {WAIT_SECONDS:.0f}s for {what}; the worker's log:\n{worker.log()}"
            )
        time.sleep(0.1)
