"""Turn the route table into FastAPI routes that authenticate, authorise and forward."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable

from fastapi import FastAPI, Request, Response

from gateway.donors.auth import DonorDep
from gateway.hospitals.auth import HospitalDep
from gateway.proxy.forward import forward
from gateway.proxy.routes import ROUTES, ProxyRoute
from gateway.staff.auth import StaffDep
from kit.problems import Forbidden

Handler = Callable[..., Awaitable[Response]]


def _ops_handler(route: ProxyRoute) -> Handler:
    async def handler(request: Request, caller: StaffDep) -> Response:
        if route.roles and not caller.has_any(*route.roles):
            raise Forbidden(f"needs one of the roles: {', '.join(sorted(route.roles))}")
        return await forward(request, route, caller)

    return handler


def _api_handler(route: ProxyRoute) -> Handler:
    async def handler(request: Request, caller: DonorDep) -> Response:
        return await forward(request, route, caller)

    return handler


def _his_handler(route: ProxyRoute) -> Handler:
    async def handler(request: Request, caller: HospitalDep) -> Response:
        return await forward(request, route, caller)

    return handler


HANDLERS: dict[str, Callable[[ProxyRoute], Handler]] = {"ops": _ops_handler, "api": _api_handler, "his": _his_handler}


def _pattern(route: ProxyRoute) -> re.Pattern[str]:
    path = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(f"/{route.surface}/v1{route.path}"))
    return re.compile(f"^{path}$")


_FORWARDED = tuple(_pattern(route) for route in ROUTES)


def forwarded_path(path: str) -> bool:
    """A public path the gateway forwards to a service (which then honours the Idempotency-Key)."""
    return any(pattern.match(path) for pattern in _FORWARDED)


def unkeyed_path(path: str) -> bool:
    """Forwarded, or a sign-in with nobody to keep keys for yet (a key there would change nothing)."""
    return forwarded_path(path) or path.endswith(("/auth/token", "/auth/wx-login"))


def register_routes(app: FastAPI, routes: Iterable[ProxyRoute]) -> None:
    for route in routes:
        app.add_api_route(
            f"/{route.surface}/v1{route.path}",
            HANDLERS[route.surface](route),
            methods=[route.method],
            include_in_schema=False,  # documented from the service contracts instead
            name=f"{route.surface}:{route.method}:{route.path}",
        )
