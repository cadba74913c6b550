"""Every console router, and the shell's answers to its exceptions, mounted by
`install_console`. A new console page module adds its router to ROUTERS (one line)."""

from __future__ import annotations

from typing import Final

from fastapi import FastAPI

from tinko.console.access import ConsoleForbidden, CsrfRejected, SignInNeeded
from tinko.console.account_api import router as account_router
from tinko.console.api import csrf_rejected, forbidden, sign_in_needed
from tinko.console.api import router as shell_router
from tinko.console.audit_page import router as audit_router
from tinko.console.developers import router as developers_router
from tinko.console.help import router as help_router
from tinko.console.messages import router as messages_router
from tinko.console.onboarding import router as onboarding_router
from tinko.console.policies import router as policies_router
from tinko.console.psp_settings import router as psp_settings_router
from tinko.console.recoveries import router as recoveries_router
from tinko.console.rules_pages import router as rules_router
from tinko.console.settings_keys import router as settings_keys_router
from tinko.console.settings_page import router as settings_router
from tinko.console.settings_users import router as settings_users_router
from tinko.console.templates_editor import router as templates_router
from tinko.console.webhooks_page import router as webhooks_router
from tinko.deps import TinkoRouter

ROUTERS: Final[tuple[TinkoRouter, ...]] = (
    shell_router,
    account_router,
    recoveries_router,
    messages_router,
    developers_router,
    rules_router,
    policies_router,
    templates_router,
    help_router,
    onboarding_router,
    psp_settings_router,
    webhooks_router,
    audit_router,
    settings_router,
    settings_users_router,
    settings_keys_router,
)


def install_console(app: FastAPI) -> None:
    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_exception_handler(CsrfRejected, csrf_rejected)
    app.add_exception_handler(ConsoleForbidden, forbidden)
    for router in ROUTERS:
        app.include_router(router)
