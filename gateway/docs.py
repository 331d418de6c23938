"""OpenAPI per public surface, for the ops teams who read /docs.

A surface's document joins the gateway's own routes under /{surface}/v1 with the operations
it forwards, copied from the services' contract snapshots in contracts/openapi/ (kept equal
to the live apps by a test), so nothing is described twice.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from gateway.proxy.register import unkeyed_path
from gateway.proxy.routes import ROUTES, ProxyRoute
from kit import idempotency

CONTRACTS = Path(__file__).resolve().parent.parent / "contracts" / "openapi"
SURFACES: dict[str, str] = {
    "api": "献血者客户端 API (mini-program client)",
    "ops": "运营 API (blood-station staff, finance, admin)",
    "his": "医院 HIS API (hospital billing systems)",
    "interop": "跨省互通 API (other provinces' platforms)",
}
_REF = "#/components/schemas/"


@lru_cache(maxsize=8)
def _service_contract(service: str) -> dict[str, Any]:
    path = CONTRACTS / f"{service}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"paths": {}}


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: (_REF + renames.get(v[len(_REF):], v[len(_REF):]) if k == "$ref" and isinstance(v, str)
                    and v.startswith(_REF) else _rename_refs(v, renames)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename_refs(v, renames) for v in node]
    return node


def _merge_schemas(target: dict[str, Any], service: str, schemas: dict[str, Any]) -> dict[str, str]:
    """Copy a service's component schemas; a name taken by a different schema gets a prefix."""
    renames = {name: name if target.get(name, body) == body else f"{service}_{name}"
               for name, body in schemas.items()}
    for name, body in schemas.items():
        target[renames[name]] = _rename_refs(body, renames)
    return renames


def _forwarded_operation(route: ProxyRoute, renames: dict[str, str]) -> dict[str, Any] | None:
    contract = _service_contract(route.service)
    operation = contract.get("paths", {}).get(route.upstream, {}).get(route.method.lower())
    if operation is None:
        return None
    op = _rename_refs(copy.deepcopy(operation), renames)
    op["security"] = [{"bearer": []}]
    if route.roles:
        op["description"] = (op.get("description", "") + f"\n\nRoles: {', '.join(sorted(route.roles))}.").strip()
    op.setdefault("responses", {})
    for status, text in (("401", "Not signed in"), ("403", "Role not allowed"), ("413", "Request body too large"),
                         ("503", "The service is unavailable; retry")):
        op["responses"].setdefault(status, {"description": text, "content": {
            "application/problem+json": {"schema": {"$ref": _REF + "ProblemDetail"}}}})
    return op


def _partner_api(doc: dict[str, Any], schemas: dict[str, Any]) -> None:
    """The partner API passes through the gateway untouched (gateway/proxy/interop.py): its
    operations are the interop service's own `/interop/v1` paths, signed by the partner."""
    contract = _service_contract("interop")
    renames = _merge_schemas(schemas, "interop", contract.get("components", {}).get("schemas", {}))
    doc["components"]["securitySchemes"] = {"httpsig": {
        "type": "apiKey", "in": "header", "name": "Signature",
        "description": "RFC 9421 HTTP Message Signature with RFC 9530 Content-Digest; see contracts/interop/"}}
    for path, operations in contract.get("paths", {}).items():
        if path.startswith("/interop/v1/"):
            doc.setdefault("paths", {})[path] = {
                method: {**_rename_refs(copy.deepcopy(op), renames), "security": [{"httpsig": []}]}
                for method, op in operations.items()}


def surface_openapi(app: FastAPI, surface: str) -> dict[str, Any]:
    prefix = f"/{surface}/v1"
    doc = get_openapi(title=f"血费减免 {SURFACES[surface]}", version=app.version, routes=app.routes,
                      description=f"Public surface `{prefix}` of the gateway.")
    doc["paths"] = {p: ops for p, ops in doc.get("paths", {}).items() if p.startswith(prefix + "/")}
    idempotency.describe(doc, skip=unkeyed_path)  # the gateway's own routes; forwarded ones say so themselves
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    components.setdefault("securitySchemes", {})["bearer"] = (
        {"type": "oauth2", "flows": {"password": {"tokenUrl": "/ops/v1/auth/token"}}} if surface == "ops"
        else {"type": "http", "scheme": "bearer", "description": "session token from POST /api/v1/auth/wx-login"})
    if surface == "interop":
        _partner_api(doc, schemas)
    for service in sorted({r.service for r in ROUTES if r.surface == surface}):
        renames = _merge_schemas(schemas, service, _service_contract(service).get("components", {}).get("schemas", {}))
        for route in (r for r in ROUTES if r.surface == surface and r.service == service):
            op = _forwarded_operation(route, renames)
            if op is not None:
                doc.setdefault("paths", {}).setdefault(prefix + route.path, {})[route.method.lower()] = op
    return doc


# Swagger UI without inline script, so the pages keep the strict CSP (kit/security_headers.py):
# the page names its document in a data attribute and a static script starts the UI.
SWAGGER_INIT_JS = """\
const node = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: node.dataset.openapiUrl, dom_id: "#swagger-ui", layout: "BaseLayout", deepLinking: true,
  validatorUrl: null, presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""


def _swagger_page(surface: str) -> str:
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>血费减免 /{surface}/v1</title>'
            '<link rel="stylesheet" href="/docs/static/swagger-ui.css">'
            '<link rel="icon" href="/docs/static/favicon.png"></head><body>'
            f'<div id="swagger-ui" data-openapi-url="/{surface}/v1/openapi.json"></div>'
            '<script src="/docs/static/swagger-ui-bundle.js"></script>'
            '<script src="/docs/swagger-init.js"></script></body></html>')


def install_docs(app: FastAPI) -> None:
    import fastapi_offline

    static = Path(fastapi_offline.__file__).parent / "static"
    app.mount("/docs/static", StaticFiles(directory=static), name="docs-static")

    @app.get("/docs/swagger-init.js", include_in_schema=False)
    async def swagger_init() -> Response:
        return Response(SWAGGER_INIT_JS, media_type="text/javascript")

    @app.get("/docs", include_in_schema=False)
    async def docs_index() -> HTMLResponse:
        items = "".join(f'<li><a href="/{s}/v1/docs">/{s}/v1</a> — {t} '
                        f'(<a href="/{s}/v1/openapi.json">openapi.json</a>)</li>' for s, t in SURFACES.items())
        return HTMLResponse(f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
                            f"<title>血费减免 API 文档</title></head><body><h1>血费减免 API 文档</h1>"
                            f"<ul>{items}</ul></body></html>")

    for surface in SURFACES:
        def make(surface: str = surface) -> None:
            @app.get(f"/{surface}/v1/openapi.json", include_in_schema=False)
            async def openapi_json() -> JSONResponse:
                return JSONResponse(surface_openapi(app, surface))

            @app.get(f"/{surface}/v1/docs", include_in_schema=False)
            async def swagger() -> HTMLResponse:
                return HTMLResponse(_swagger_page(surface))
        make()
