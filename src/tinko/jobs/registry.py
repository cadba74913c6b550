"""The job registry. A job is a plain function `fn(ctx, **kwargs)`; kwargs are JSON values.

Jobs may run twice (a lost ack, a crashed worker, a sweep that finds the same row): each
job loads its row by id and does nothing if the work is already done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tinko.config import Settings
from tinko.kit.clock import Clock

JobFn = Callable[..., None]


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    session_factory: sessionmaker[Session]
    clock: Clock


@dataclass(frozen=True)
class JobSpec:
    name: str
    fn: JobFn
    every_seconds: float | None = None  # set for periodic jobs


_REGISTRY: dict[str, JobSpec] = {}


def job(name: str, *, every_seconds: float | None = None) -> Callable[[JobFn], JobFn]:
    """Register `fn` under `name` ("<domain>.<verb>"); periodic when `every_seconds` is set."""

    def register(fn: JobFn) -> JobFn:
        existing = _REGISTRY.get(name)
        if existing is not None and existing.fn is not fn:
            raise ValueError(f"job {name!r} is registered twice")
        _REGISTRY[name] = JobSpec(name, fn, every_seconds)
        return fn

    return register


def get_job(name: str) -> JobSpec:
    load_job_modules()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown job {name!r}") from None


def periodic_jobs() -> list[JobSpec]:
    load_job_modules()
    return [spec for spec in _REGISTRY.values() if spec.every_seconds is not None]


def load_job_modules() -> None:
    """Import every domain's jobs module so that both runners see the same registry."""
    import tinko.analytics.jobs
    import tinko.audit.jobs
    import tinko.auth.jobs
    import tinko.intake.jobs
    import tinko.merchant_webhooks.jobs
    import tinko.notify.jobs
    import tinko.psp.jobs
    import tinko.recovery.jobs  # noqa: F401


def run_job(ctx: JobContext, name: str, kwargs: dict[str, Any]) -> None:
    get_job(name).fn(ctx, **kwargs)
