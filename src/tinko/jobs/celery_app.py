"""The Celery runner: workers and beat on Redis, over the same registry and job names.

The broker carries only "run job X with these ids now" as one generic task, `tinko.run(name,
kwargs)`; the state lives in the database. Delivery is at least once:

- `task_acks_late`: a message is acknowledged after its job returns, not when it is received;
- `task_reject_on_worker_lost`: a pool process that dies mid-job (OOM, SIGKILL) hands its
  message back to the queue at once;
- `worker_prefetch_multiplier = 1`: a worker holds no more unstarted messages than it has
  processes, so a dead worker strands as little as possible;
- `visibility_timeout`: a message whose whole worker vanished (host lost, SIGKILL) stays
  in Redis's unacked set; once it is older than this, the next restore sweep of any live or
  restarted worker (kombu runs one at start-up and every ~100 s) puts it back on the queue.

So a job can run twice; every job is idempotent (it loads its row and checks its state).
Run it with `tinko worker` and `tinko beat` (or `celery -A tinko.jobs.celery_app worker`).
"""

from __future__ import annotations

import os
import threading
from typing import Any

import structlog
from celery import Celery

import tinko.models  # noqa: F401  (every mapper: a worker loads no app to import them)
from tinko.audit.writer import install as install_audit
from tinko.config import Settings, SettingsError, load_settings
from tinko.db import make_engine, make_session_factory
from tinko.jobs.outbox import DISPATCHER
from tinko.jobs.registry import JobContext, periodic_jobs, run_job
from tinko.jobs.runner import broker_url
from tinko.kit.clock import SystemClock

log = structlog.get_logger("tinko.jobs")

TASK_NAME = "tinko.run"
QUEUE = "tinko"
# Longer than any job runs: past it, Redis hands an unacknowledged message to another worker.
VISIBILITY_TIMEOUT_SECONDS = 15 * 60
NO_BROKER = "no broker configured: set TINKO_BROKER_URL (or TINKO_REDIS_URL) to a redis:// URL"


class CeleryDispatcher:
    """Publishes committed jobs as `tinko.run(name, kwargs)` messages."""

    def __init__(self, celery: Celery) -> None:
        self.celery = celery

    def start(self) -> None:
        """Nothing runs here: workers run the jobs and beat sends the periodic ones."""

    def stop(self) -> None:
        self.celery.close()  # release the pooled broker connections

    def submit(self, name: str, kwargs: dict[str, Any]) -> None:
        try:
            self.celery.send_task(TASK_NAME, args=(name, kwargs), queue=QUEUE)
        except Exception:
            # Called after the commit: the work is saved, and the domain's sweep offers it again.
            log.exception("job_publish_failed", job=name)


class _WorkerContext:
    """The JobContext of one worker process, built on its first job (after the pool forks)."""

    def __init__(self, settings: Settings, dispatcher: CeleryDispatcher) -> None:
        self._settings = settings
        self._dispatcher = dispatcher
        self._lock = threading.Lock()
        self._ctx: JobContext | None = None
        self._pid = 0

    def get(self) -> JobContext:
        with self._lock:
            if self._ctx is None or self._pid != os.getpid():
                engine = make_engine(self._settings.resolved_database_url, pool_size=4)
                session_factory = make_session_factory(engine)
                # Jobs that enqueue follow-up jobs publish them to Celery too.
                session_factory.kw["info"] = {DISPATCHER: self._dispatcher}
                install_audit(session_factory, self._settings, SystemClock())
                self._ctx = JobContext(self._settings, session_factory, SystemClock())
                self._pid = os.getpid()
            return self._ctx


def beat_schedule() -> dict[str, dict[str, Any]]:
    """Every periodic job of the registry, sent as `tinko.run(name, {})` every `every_seconds`."""
    schedule: dict[str, dict[str, Any]] = {}
    for spec in periodic_jobs():
        assert spec.every_seconds is not None
        schedule[spec.name] = {
            "task": TASK_NAME,
            "schedule": spec.every_seconds,
            "args": (spec.name, {}),
            # A sweep not started by its next turn is dropped: the next one does the same work.
            "options": {"queue": QUEUE, "expires": spec.every_seconds},
        }
    return schedule


def make_celery(settings: Settings) -> Celery:
    url = broker_url(settings)
    if not url:
        raise SettingsError(NO_BROKER)
    celery = Celery("tinko", broker=url, set_as_current=False)
    celery.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        event_serializer="json",
        task_ignore_result=True,
        task_default_queue=QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        broker_transport_options={
            "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
            # A request publishing after its commit must not hang on a Redis that went silent.
            "socket_connect_timeout": 3,
            "socket_timeout": 10,
        },
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        worker_hijack_root_logger=False,
        timezone="UTC",
        enable_utc=True,
        beat_schedule=beat_schedule(),
        beat_schedule_filename=str(settings.var_dir / "celerybeat-schedule"),
    )
    context = _WorkerContext(settings, CeleryDispatcher(celery))

    # Not shared: a task of this app runs with this app's settings, even when (as in tests)
    # one process builds several apps.
    @celery.task(name=TASK_NAME, shared=False)  # type: ignore[untyped-decorator]
    def run(name: str, kwargs: dict[str, Any]) -> None:
        run_job(context.get(), name, kwargs)

    return celery


_default: Celery | None = None


def __getattr__(name: str) -> Celery:
    # `celery -A tinko.jobs.celery_app` looks up `app`: build it from the environment on demand.
    global _default
    if name not in ("app", "celery"):
        raise AttributeError(name)
    if _default is None:
        _default = make_celery(load_settings())
    return _default
