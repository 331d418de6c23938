"""Forward one request to a service: caller token in, request id through, 503 when down."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import structlog
from fastapi import Request, Response

from gateway.proxy.routes import ProxyRoute
from kit import http
from kit.identity import HEADER as CALLER_HEADER
from kit.identity import Caller, IdentitySigner
from kit.problems import Problem, ServiceUnavailable

log = structlog.get_logger(__name__)

# Headers a client may send that the service should see; everything else is dropped.
# (Idempotency-Key goes through kit.http.send, which also decides whether a retry is safe.)
FORWARDED_REQUEST_HEADERS = ("content-type", "accept", "accept-language", "if-match")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "content-length", "content-encoding", "server", "date"}


def upstream_path(route: ProxyRoute, path_params: dict[str, str]) -> str:
    return route.upstream.format(**{k: quote(str(v), safe="") for k, v in path_params.items()})


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes the limit (the rest is never read)."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise Problem(f"请求体超过 {limit // (1024 * 1024)} MB (request body too large)", status=413,
                      slug="too-large", title="Request too large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(f"请求体超过 {limit // (1024 * 1024)} MB (request body too large)", status=413,
                          slug="too-large", title="Request too large")
        chunks.append(chunk)
    return b"".join(chunks)


async def forward(request: Request, route: ProxyRoute, caller: Caller) -> Response:
    clients: dict[str, httpx.AsyncClient] = request.app.state.clients
    signer: IdentitySigner = request.app.state.signer
    headers = {k: v for k in FORWARDED_REQUEST_HEADERS if (v := request.headers.get(k))}
    headers[CALLER_HEADER] = signer.sign(caller)
    body = await read_body(request, request.app.state.settings.max_body_bytes)
    try:
        upstream = await http.send(
            clients[route.service], route.method,
            upstream_path(route, dict(request.path_params)),
            params=list(request.query_params.multi_items()),
            content=body or None,
            headers=headers,
            idempotency_key=request.headers.get("idempotency-key"),
            **({"timeout": route.timeout_s} if route.timeout_s else {}),
        )
    except httpx.TimeoutException as exc:
        log.warning("downstream timeout", service=route.service, error=repr(exc))
        raise ServiceUnavailable(f"{route.service} service did not answer in time; retry shortly") from exc
    except httpx.TransportError as exc:
        log.warning("downstream unreachable", service=route.service, error=repr(exc))
        raise ServiceUnavailable(f"{route.service} service is unavailable; retry shortly") from exc
    out_headers = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
    return Response(upstream.content, status_code=upstream.status_code, headers=out_headers)
