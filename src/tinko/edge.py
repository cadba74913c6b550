"""Input at the edge: the control-character rule (`kit.text`) applied to every API request.

`EdgeRoute` is the route class of every `TinkoRouter`: before FastAPI parses a request it
checks the path and query parameters and, for routes that take a JSON or form body, that body,
and refuses the request with 422 naming each offending field. Raw bodies that a route reads
itself (signed PSP webhooks) are not checked here: they are stored whatever they hold, scrubbed
(`psp.webhook_checks`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi import Request, Response
from fastapi.params import Form
from fastapi.routing import APIRoute
from starlette.datastructures import UploadFile

from tinko.errors import Unprocessable
from tinko.kit.text import Loc, forbidden_locations, has_forbidden, json_may_have_forbidden

MESSAGE = (
    "must not contain control characters such as NUL (tab and line breaks are fine) "
    "or unpaired surrogates"
)
_MAX_REPORTED = 20


class EdgeRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        body_field = self.body_field
        takes_form = body_field is not None and isinstance(body_field.field_info, Form)

        async def checked(request: Request) -> Response:
            locations = list(_in_parameters(request))
            if body_field is not None:
                locations += await (_in_form(request) if takes_form else _in_json(request))
            if locations:
                raise _refusal(locations)
            return await handler(request)

        return checked


def _in_parameters(request: Request) -> Iterator[Loc]:
    for name, value in request.path_params.items():
        if isinstance(value, str) and has_forbidden(value):
            yield ("path", name)
    for name, value in request.query_params.multi_items():
        if has_forbidden(name) or has_forbidden(value):
            yield ("query", name)


async def _in_json(request: Request) -> list[Loc]:
    body = await request.body()
    if not json_may_have_forbidden(body):
        return []
    try:
        document = await request.json()  # cached on the request: FastAPI does not parse again
    except (ValueError, RecursionError):
        return []  # FastAPI reports the malformed body itself
    return list(forbidden_locations(document, ("body",)))


async def _in_form(request: Request) -> list[Loc]:
    form = await request.form()  # cached on the request, as above
    return [
        ("body", name)
        for name, value in form.multi_items()
        if has_forbidden(name) or (not isinstance(value, UploadFile) and has_forbidden(value))
    ]


def _refusal(locations: list[Loc]) -> Unprocessable:
    shown = locations[:_MAX_REPORTED]
    first = shown[0]
    where = ".".join(str(part) for part in (first[1:] or first))
    error = Unprocessable(f"{where}: {MESSAGE}.", loc=list(first))
    error.errors = [{"loc": list(loc), "msg": MESSAGE} for loc in shown]
    return error
