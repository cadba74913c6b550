"""The application factory: `create_app(settings)` wires routers, middleware and the job runner."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from tinko import __version__
from tinko.analytics.api import router as analytics_router
from tinko.apidocs import API_DESCRIPTION, install_docs
from tinko.audit import writer as audit_writer
from tinko.audit.api import router as audit_router
from tinko.auth.api import router as auth_router
from tinko.auth.identities import IdentityCache
from tinko.classifier.loader import get_tables
from tinko.config import Settings, load_settings
from tinko.console.routes import install_console
from tinko.db import make_engine, make_session_factory
from tinko.errors import install_error_handlers
from tinko.intake.api import router as intake_router
from tinko.intake.calls import CallLogMiddleware, CallRecorder
from tinko.jobs.outbox import DISPATCHER
from tinko.jobs.registry import JobContext
from tinko.jobs.runner import broker_url, make_dispatcher
from tinko.kit.clock import Clock, SystemClock
from tinko.kit.ratelimit import RateLimiter
from tinko.kit.secretbox import SecretBox
from tinko.merchant_webhooks.api import router as merchant_webhooks_router
from tinko.middleware import (
    BodyLimitMiddleware,
    ConcurrencyLimitMiddleware,
    RequestContextMiddleware,
)
from tinko.notify.api import router as notify_router
from tinko.notify.views import router as unsubscribe_router
from tinko.observability import configure_logging
from tinko.onboarding.api import router as onboarding_router
from tinko.ops.api import router as ops_router
from tinko.pages.api import router as pages_router
from tinko.policies.api import router as policies_router
from tinko.psp.api import router as psp_router
from tinko.psp.api import sandbox_router as sandbox_webhook_router
from tinko.psp.sandbox_checkout import router as sandbox_checkout_router
from tinko.recovery.api import router as recovery_router
from tinko.rules.api import router as rules_router

# Requests served at once per process; more wait their turn without holding a thread.
MAX_IN_FLIGHT = 32


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or load_settings()
    get_tables()  # load and validate the classifier's tables now, not on the first request
    clock = clock or SystemClock()
    configure_logging(settings.log_level)

    engine = make_engine(settings.resolved_database_url, pool_size=MAX_IN_FLIGHT // 2)
    session_factory = make_session_factory(engine)
    read_engine = (
        make_engine(settings.resolved_database_url, pool_size=MAX_IN_FLIGHT // 2, read_only=True)
        if settings.is_sqlite
        else engine
    )
    runner = make_dispatcher(settings, JobContext(settings, session_factory, clock))
    session_factory.kw["info"] = {DISPATCHER: runner}
    audit_signer = audit_writer.install(session_factory, settings, clock)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # More threads than requests in flight: see ConcurrencyLimitMiddleware.
        to_thread.current_default_thread_limiter().total_tokens = 2 * MAX_IN_FLIGHT
        runner.start()
        try:
            yield
        finally:
            app.state.call_recorder.flush()
            runner.stop()
            engine.dispose()
            read_engine.dispose()

    app = FastAPI(
        title="Tinko Recovery",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by install_docs from local assets, not a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.read_session_factory = make_session_factory(read_engine)
    app.state.identity_cache = IdentityCache()
    app.state.runner = runner
    app.state.rate_limiter = RateLimiter(settings.rate_limit_table, _limits_storage(settings))
    app.state.broker_check = _broker_check(settings)
    app.state.audit_signer = audit_signer
    app.state.secret_box = SecretBox(settings.secret_key, settings.encryption_keys)
    app.state.call_recorder = CallRecorder(session_factory, clock, time.monotonic)

    install_error_handlers(app)
    app.add_middleware(CallLogMiddleware, recorder=app.state.call_recorder)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ConcurrencyLimitMiddleware, max_in_flight=MAX_IN_FLIGHT)
    app.add_middleware(RequestContextMiddleware)
    if settings.trusted_proxy_networks:
        # Outermost, so logs and per-IP limits see the client a trusted proxy forwarded for.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_networks)
    app.include_router(ops_router)
    app.include_router(analytics_router)
    app.include_router(auth_router)
    app.include_router(audit_router)
    app.include_router(merchant_webhooks_router)
    app.include_router(intake_router)
    app.include_router(policies_router)
    app.include_router(rules_router)
    app.include_router(recovery_router)
    app.include_router(sandbox_checkout_router)
    app.include_router(psp_router)
    app.include_router(onboarding_router)
    app.include_router(sandbox_webhook_router)
    app.include_router(notify_router)
    app.include_router(unsubscribe_router)
    app.include_router(pages_router)
    install_docs(app)
    install_console(app)
    return app


def _limits_storage(settings: Settings) -> str | None:
    return settings.redis_url or None


def _broker_check(settings: Settings) -> Callable[[], bool] | None:
    url = broker_url(settings)
    if not url:
        return None

    def ping() -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
        except redis.RedisError:
            return False

    return ping
