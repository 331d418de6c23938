"""Which /ops/v1 routes a staff member may call, from the two places that decide it: the proxy
route table and the gateway's own routes' role dependencies. The ops console builds its menu and
its page guards from this list, so no role rule is written twice (and a route that does not exist
yet, like the what-if simulation before it lands, simply hides its page)."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from gateway.proxy.routes import ROUTES
from kit.identity import Caller

PREFIX = "/ops/v1"
RouteRoles = tuple[str, str, frozenset[str]]  # method, path, roles (empty: any signed-in staff)


def _roles_of(dependant: Dependant) -> frozenset[str] | None:
    for dependency in dependant.dependencies:
        roles = getattr(dependency.call, "roles", None)
        if roles is not None:
            return frozenset(roles)
        found = _roles_of(dependency)
        if found is not None:
            return found
    return None


def api_routes(app: FastAPI) -> Iterable[tuple[str, APIRoute]]:
    """(public path, route) of every API route, routers included. FastAPI 0.16x keeps included
    routers whole in `app.routes`; `iter_route_contexts` is how its own OpenAPI walks them."""
    contexts = getattr(routing, "iter_route_contexts", None)
    if contexts is None:  # older FastAPI: the routes are flat
        yield from ((r.path, r) for r in app.routes if isinstance(r, APIRoute))
        return
    for context in contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.path:
            yield context.path, context.original_route


def route_table(app: FastAPI) -> list[RouteRoles]:
    table: list[RouteRoles] = [(r.method, PREFIX + r.path, r.roles) for r in ROUTES if r.surface == "ops"]
    for path, route in api_routes(app):
        # The proxied routes are registered out of the schema; the gateway's own are in it.
        if route.include_in_schema and path.startswith(PREFIX + "/"):
            roles = _roles_of(route.dependant) or frozenset()
            table += [(method, path, roles) for method in sorted(route.methods)]
    return sorted(set(table))


def allowed(table: Iterable[RouteRoles], caller: Caller) -> list[str]:
    return [f"{method} {path}" for method, path, roles in table if not roles or caller.has_any(*roles)]


def table_of(app: FastAPI) -> list[RouteRoles]:
    if getattr(app.state, "ops_route_table", None) is None:
        app.state.ops_route_table = route_table(app)
    return app.state.ops_route_table  # type: ignore[no-any-return]
