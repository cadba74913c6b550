"""The `tinko` command: serve, worker, beat, migrate, demo, create-user."""

from __future__ import annotations

import os
import secrets
from typing import Annotated, Any

import typer
import uvicorn
from rich.console import Console
from rich.panel import Panel

from tinko.config import Settings, SettingsError, load_settings

app = typer.Typer(help="Tinko Recovery: failed-payment recovery.", no_args_is_help=True)
console = Console(stderr=True)


def _settings(host: str | None = None, port: int | None = None) -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if host and port and "TINKO_BASE_URL" not in os.environ:
        # Links in mails and pages should point where this server actually listens.
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        settings = settings.model_copy(update={"base_url": f"http://{shown}:{port}"})
    return settings


@app.command()
def migrate() -> None:
    """Bring the database schema to the newest version."""
    from tinko.migrate import upgrade

    settings = _settings()
    upgrade(settings.resolved_database_url)
    console.print("[green]database is up to date[/green]")


@app.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt every stored secret under the newest of TINKO_ENCRYPTION_KEYS.

    Rotate by putting a new key first in TINKO_ENCRYPTION_KEYS, restarting, running this, and
    only then dropping the old key from the list."""
    from tinko.db import make_engine, make_session_factory, unit_of_work
    from tinko.intake.webhooks import reencrypt_all
    from tinko.kit.secretbox import SecretBox
    from tinko.merchant_webhooks.service import reencrypt_all as reencrypt_merchant_hooks
    from tinko.psp.credentials import rotate_all

    settings = _settings()
    box = SecretBox(settings.secret_key, settings.encryption_keys)
    engine = make_engine(settings.resolved_database_url)
    with unit_of_work(make_session_factory(engine)) as session:
        endpoints = reencrypt_all(session, box)
        credentials = rotate_all(session, box)
        outbound = reencrypt_merchant_hooks(session, box)
    engine.dispose()
    console.print(
        f"[green]re-encrypted {endpoints} webhook endpoint(s), {credentials} PSP credential(s) "
        f"and {outbound} merchant webhook endpoint(s)[/green]"
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the API and the pages; runs the jobs in-process unless a broker is configured."""
    settings = _settings(host, port)
    _serve(settings, host, port)


def _serve(settings: Settings, host: str, port: int) -> None:
    from tinko.main import create_app
    from tinko.migrate import upgrade

    # Bring the schema up to date before serving (a no-op when it is; concurrent starters on
    # PostgreSQL take turns under an advisory lock), so a fresh database needs no extra step.
    upgrade(settings.resolved_database_url)
    uvicorn.Server(server_config(create_app(settings), host, port)).run()


def server_config(app: Any, host: str, port: int) -> uvicorn.Config:
    """How `tinko serve` runs uvicorn. Its own proxy-header handling is off: by default it
    believes X-Forwarded-For from 127.0.0.1, and the app already does this for the peers in
    TINKO_TRUSTED_PROXIES only (see create_app)."""
    return uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, proxy_headers=False
    )


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Job processes (default: one per CPU).")
    ] = None,
    loglevel: Annotated[str | None, typer.Option(help="Default: TINKO_LOG_LEVEL.")] = None,
) -> None:
    """Run jobs from the broker (Celery on Redis). Migrates nothing."""
    settings = _settings()
    celery, level = _celery(settings, loglevel)
    argv = ["worker", f"--loglevel={level}", "--without-gossip", "--without-mingle"]
    if concurrency is not None:
        argv.append(f"--concurrency={concurrency}")
    celery.worker_main(argv)


@app.command()
def beat(
    loglevel: Annotated[str | None, typer.Option(help="Default: TINKO_LOG_LEVEL.")] = None,
) -> None:
    """Send the periodic jobs to the broker on schedule. Run exactly one."""
    settings = _settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)  # beat keeps its schedule state there
    celery, level = _celery(settings, loglevel)
    celery.start(["beat", f"--loglevel={level}"])


def _celery(settings: Settings, loglevel: str | None) -> tuple[Any, str]:
    """The Celery app for these settings and the log level to run it at."""
    from tinko.jobs.celery_app import NO_BROKER, make_celery
    from tinko.jobs.runner import broker_url
    from tinko.observability import configure_logging

    if not broker_url(settings):
        console.print(f"[red]error:[/red] {NO_BROKER}")
        raise typer.Exit(2)
    level = (loglevel or settings.log_level).lower()
    if level not in ("debug", "info", "warning", "error"):
        console.print(
            f"[red]error:[/red] --loglevel: {level!r} is not debug, info, warning or error"
        )
        raise typer.Exit(2)
    configure_logging(level)
    return make_celery(settings), level.upper()


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(help="Sign-in email.")],
    org_name: Annotated[str, typer.Option(help="Organisation to create for this owner.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
) -> None:
    """Create an organisation and its owner."""
    from tinko.auth.service import register
    from tinko.db import make_engine, make_session_factory, unit_of_work
    from tinko.errors import AppError
    from tinko.kit.clock import SystemClock

    settings = _settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            result = register(
                session,
                SystemClock(),
                settings,
                email=email,
                password=password,
                org_name=org_name,
                name=name,
            )
    except AppError as exc:
        console.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    console.print(f"created {result.user.email} as owner of {result.org.name} ({result.org.id})")


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    no_history: Annotated[
        bool, typer.Option("--no-history", help="Skip the 90 days of simulated history.")
    ] = False,
) -> None:
    """Create a demo organisation with an owner, print how to sign in, then serve."""
    from tinko.demo import ensure_demo_history, ensure_demo_org
    from tinko.migrate import upgrade

    settings = _settings(host, port)
    upgrade(settings.resolved_database_url)
    credentials = ensure_demo_org(settings, password=secrets.token_urlsafe(12))
    if not no_history:
        with console.status("simulating 90 days of failed payments and recoveries…"):
            history = ensure_demo_history(settings)
        if history.created:
            console.print(
                f"history: {history.failures} failed payments, {history.recovered} recovered, "
                f"{history.open} still in progress ({history.seconds:.1f} s)"
            )
    console.print(
        Panel.fit(
            f"Console:  {settings.base_url}/console/  (sign in as the owner below)\n"
            f"API docs: {settings.base_url}/docs\n"
            f"Email:    {credentials.email}\n"
            f"Password: {credentials.password}\n"
            f"API key:  {credentials.api_key or '(created on first run; see var/demo.txt)'}",
            title="Tinko demo",
        )
    )
    _serve(settings, host, port)


# `tinko simulate` and `tinko backtest` (issue #7) live in tinko.simulate.commands.
from tinko.simulate.commands import register as _register_simulator  # noqa: E402

_register_simulator(app)

from tinko.audit.commands import register as _register_audit  # noqa: E402

_register_audit(app)


if __name__ == "__main__":
    app()
