"""Refines FastAPI's generated OpenAPI document in one place, from what each route depends on:

- security: routes that resolve the caller (`get_principal`) accept an API key or a bearer
  token; those that need a signed-in person (`require_role(users_only=True)`) only the token;
  public routes (register, login, webhooks, payer links) have none;
- problems: 401 with a caller, 403 with a role check above viewer or a person-only check, 404
  with a path parameter, 422 with a body or query, 429 with a rate limit, plus what the route
  declares (`responses=problems(409)`); all as `application/problem+json` with a `Problem`;
- request examples from `tinko.apidocs.examples`.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from tinko.apidocs.examples import REQUEST_EXAMPLES
from tinko.apidocs.problems import Problem, problem_response
from tinko.deps import get_principal, get_rate_limiter

API_KEY = "ApiKeyAuth"
BEARER = "BearerAuth"
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    API_KEY: {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "For merchant servers: a key made with `POST /v1/api-keys` (shown once).",
    },
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "For console users: the `access_token` from `POST /v1/auth/login` "
        "(15 minutes; renew it with `POST /v1/auth/refresh`).",
    },
}
_FASTAPI_422 = ("HTTPValidationError", "ValidationError")


@dataclass(frozen=True)
class RouteFacts:
    """What a route's dependencies say about who may call it and how it can fail."""

    authenticated: bool
    people_only: bool
    role_checked: bool
    rate_limited: bool
    has_path_params: bool
    has_input: bool
    html: bool

    def security(self) -> list[dict[str, list[str]]] | None:
        if not self.authenticated:
            return None
        return [{BEARER: []}] if self.people_only else [{API_KEY: []}, {BEARER: []}]

    def problem_statuses(self) -> set[int]:
        statuses = {422} if self.has_input else set()
        if self.html:  # pages answer their own errors with a page, not a problem document
            return statuses
        if self.authenticated:
            statuses.add(401)
        if self.role_checked or self.people_only:
            statuses.add(403)
        if self.has_path_params:
            statuses.add(404)
        if self.rate_limited:
            statuses.add(429)
        return statuses


def route_facts(route: APIRoute, response_class: Any = None) -> RouteFacts:
    calls = list(_calls(route.dependant))
    checks = [closure for closure in map(_closure, calls) if "role" in closure]
    flat = route.dependant
    return RouteFacts(
        authenticated=get_principal in calls,
        people_only=any(check.get("users_only") for check in checks),
        role_checked=any(check.get("role") != "viewer" for check in checks),
        rate_limited=get_rate_limiter in calls,
        has_path_params=bool(_all(flat, "path_params")),
        has_input=bool(
            route.body_field or _all(flat, "query_params") or _all(flat, "header_params")
        ),
        html=_unwrap(response_class or route.response_class) is HTMLResponse,
    )


def install_openapi(app: FastAPI) -> None:
    """Makes `app.openapi()` (and so `/openapi.json`) return the refined document."""
    generate = app.openapi
    refined: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI's, cached until routes change
        if not refined or refined[0] is not schema:
            refine(app, schema)
            refined[:] = [schema]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def refine(app: FastAPI, schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = components.setdefault("schemas", {})
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    for route, path, method, operation, response_class in _operations(app, schema):
        facts = route_facts(route, response_class)
        security = facts.security()
        if security:
            operation["security"] = security
        responses = operation.setdefault("responses", {})
        if _is_fastapi_422(responses.get("422")):
            del responses["422"]  # added for any parameter, even a path string that cannot fail
        declared = {int(code) for code in responses if code[0] in "45"}
        for status in sorted(declared | facts.problem_statuses()):
            description = responses.get(str(status), {}).get("description")
            responses[str(status)] = problem_response(status, description)
        operation["responses"] = dict(sorted(responses.items()))
        examples = REQUEST_EXAMPLES.get((method, path))
        if examples:
            body = operation["requestBody"]["content"]["application/json"]
            body["examples"] = examples
    for name in _FASTAPI_422:
        if f'"#/components/schemas/{name}"' not in json.dumps(schema):
            schemas.pop(name, None)


def _operations(
    app: FastAPI, schema: dict[str, Any]
) -> Iterator[tuple[APIRoute, str, str, Any, Any]]:
    """Each documented operation with its route, path, method and response class."""
    paths = schema.get("paths", {})
    # FastAPI 0.165 keeps included routers as branches; older versions list routes flat.
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    items: list[Any] = list(contexts(app.routes) if contexts else app.routes)
    for item in items:
        route = getattr(item, "original_route", item)
        if not isinstance(route, APIRoute) or not item.include_in_schema:
            continue
        for method in sorted(item.methods or ()):
            operation = paths.get(item.path_format, {}).get(method.lower())
            if operation is not None:
                yield route, item.path_format, method, operation, item.response_class


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _all(dependant: Dependant, kind: str) -> list[Any]:
    found = list(getattr(dependant, kind))
    for sub in dependant.dependencies:
        found.extend(_all(sub, kind))
    return found


def _closure(call: Callable[..., Any]) -> dict[str, Any]:
    """The variables a dependency closes over: `require_role`'s `role` and `users_only`."""
    try:
        return dict(inspect.getclosurevars(call).nonlocals)
    except TypeError:
        return {}


def _is_fastapi_422(response: Any) -> bool:
    content = (response or {}).get("content", {}).get("application/json", {})
    return bool(content.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"))


def _unwrap(response_class: Any) -> Any:
    return (
        response_class.value if isinstance(response_class, DefaultPlaceholder) else response_class
    )
