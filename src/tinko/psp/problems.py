"""PSP errors as problem+json for the routes that call a PSP while a person waits."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tinko.errors import AppError
from tinko.psp.base import (
    PSPAuthenticationError,
    PSPError,
    PSPNotConfigured,
    PSPRateLimited,
    PSPTerminalError,
)

T = TypeVar("T")


class PSPUnavailable(AppError):
    status, title, slug = 502, "Payment provider unavailable", "psp-unavailable"


class PSPRefused(AppError):
    status, title, slug = 502, "Payment provider refused the request", "psp-refused"


class PaymentsNotConfigured(AppError):
    status, title, slug = 503, "Payment provider not configured", "psp-not-configured"


class CredentialsRejected(AppError):
    status, title, slug = 422, "Credentials rejected", "psp-credentials-rejected"


def call_psp(action: Callable[[], T], *, raise_terminal: bool = False) -> T:
    """Run one PSP call; its failure becomes a clear problem (never a 500). With
    `raise_terminal`, a refusal (PSPTerminalError) reaches the caller as is."""
    try:
        return action()
    except PSPNotConfigured as exc:
        if raise_terminal:
            raise
        raise PaymentsNotConfigured(str(exc)) from None
    except PSPAuthenticationError as exc:
        if raise_terminal:
            raise
        raise PSPRefused(
            f"{exc} The saved credentials were refused; an admin should update them."
        ) from None
    except PSPTerminalError as exc:
        if raise_terminal:
            raise
        raise PSPRefused(str(exc)) from None
    except PSPRateLimited as exc:
        raise PSPUnavailable(
            f"{exc} The provider asks us to slow down; try again shortly.",
            headers={"Retry-After": str(max(1, exc.retry_after_seconds))},
        ) from None
    except PSPError as exc:
        raise PSPUnavailable(f"{exc} Try again in a minute.") from None
