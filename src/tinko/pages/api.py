"""Routes of the payer pages (docs/api.md): /pay/{token}, its checkout, success and cancel."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Final

from fastapi import Form, Header, Request
from fastapi.responses import HTMLResponse, Response

from tinko.deps import ClockDep, RateLimiterDep, SessionDep, SettingsDep, TinkoRouter, client_ip
from tinko.kit.ratelimit import RateLimitExceeded
from tinko.pages import screens
from tinko.pages.present import respond
from tinko.pages.rendering import ASSETS
from tinko.pages.screens import CheckoutForm, Redirect, Screen

router = TinkoRouter(prefix="/pay", tags=["payer pages"], default_response_class=HTMLResponse)
# A return from checkout carries a few PSP parameters; anything beyond is not a PSP's.
_MAX_RETURN_PARAMS: Final = 20
_MAX_PARAM_LENGTH: Final = 512


def _limited(
    request: Request,
    limiter: RateLimiterDep,
    settings: SettingsDep,
    show: Callable[[], Screen | Redirect],
) -> Response:
    """The payer rate limit (per IP, shared with the payer JSON API), then the page."""
    try:
        limiter.hit("payer", f"ip:{client_ip(request)}")
    except RateLimitExceeded as exc:
        retry_after = {"Retry-After": str(max(1, exc.retry_after_seconds))}
        token = request.path_params.get("token")
        return respond(request, settings, Screen("busy", 429, token, headers=retry_after))
    return respond(request, settings, show())


@router.get("/assets/{name}", include_in_schema=False)
def pay_asset(name: str) -> Response:
    asset = ASSETS.get(name)
    if asset is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(asset.content, media_type=asset.media_type, headers=headers)


@router.get("/{token}", summary="The payer page of a recovery link")
def pay_page(
    token: str,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> Response:
    """The payer page (HTML) of a payment link, in the payer's language."""
    show = partial(screens.payer_page, session, clock, settings, token)
    return _limited(request, limiter, settings, show)


@router.post("/{token}/checkout", summary="Start the PSP's hosted checkout (303 to it)")
def pay_checkout(
    token: str,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    nonce: Annotated[str, Form(max_length=64)] = "",
    method: Annotated[str | None, Form(max_length=32)] = None,
    sec_fetch_site: Annotated[str | None, Header()] = None,
) -> Response:
    """The payer page's pay button (a form post): redirects (303) to the PSP's hosted checkout."""
    form = CheckoutForm(method=method, nonce=nonce, fetch_site=sec_fetch_site)
    show = partial(screens.checkout, session, clock, settings, token, form)
    return _limited(request, limiter, settings, show)


@router.get("/{token}/success", summary="Return from checkout: paid, processing or a problem")
def pay_success(
    token: str,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> Response:
    """Where the PSP's checkout returns: the page says paid, processing, or what went wrong."""
    params = {
        key: value[:_MAX_PARAM_LENGTH]
        for key, value in list(request.query_params.items())[:_MAX_RETURN_PARAMS]
        if key != "lang"
    }
    show = partial(screens.returned, session, clock, settings, token, params)
    return _limited(request, limiter, settings, show)


@router.get("/{token}/cancel", summary="Return from checkout without paying")
def pay_cancel(
    token: str,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> Response:
    """Where the PSP's checkout returns when the payer gives up; the link still works."""
    declined = request.query_params.get("declined") == "1"
    show = partial(screens.cancelled, session, clock, settings, token, declined=declined)
    return _limited(request, limiter, settings, show)
