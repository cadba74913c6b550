"""Choose the runner: Celery when a broker is configured, else the in-process runner."""

from __future__ import annotations

from typing import Protocol

from tinko.config import Settings
from tinko.jobs.inprocess import InProcessRunner
from tinko.jobs.outbox import Dispatcher
from tinko.jobs.registry import JobContext


class Runner(Dispatcher, Protocol):
    """What the application starts and stops with itself, and hands jobs to after commit."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


def broker_url(settings: Settings) -> str | None:
    """The broker's URL: TINKO_BROKER_URL, else TINKO_REDIS_URL, else none (in-process)."""
    return settings.broker_url or settings.redis_url or None


def make_dispatcher(settings: Settings, ctx: JobContext) -> Runner:
    """With a broker, jobs go to Celery workers and beat sends the periodic ones, so nothing
    runs in this process; without one, a thread pool here runs both."""
    if broker_url(settings):
        from tinko.jobs.celery_app import CeleryDispatcher, make_celery

        return CeleryDispatcher(make_celery(settings))
    return InProcessRunner(ctx, periodic=settings.run_jobs)
