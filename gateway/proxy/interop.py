"""`/interop/v1/*` passes to the interop service as sent: the partner's signature covers the
method, the target URI, the body and signed headers, so nothing of them is changed here. The
gateway only adds its own token (so the service port alone is useless) and the request id.

The gateway's body limit (kit.body_limit) applies as to every request: 1 MB for a message, the
upload limit for a document (`PUT /documents/{sha256}`), refused with 413 before it is read."""

from __future__ import annotations

import httpx
import structlog
from fastapi import FastAPI, Request, Response

from gateway.proxy.forward import HOP_BY_HOP, read_body
from kit.identity import HEADER as CALLER_HEADER
from kit.identity import Caller, IdentitySigner
from kit.problems import ServiceUnavailable

log = structlog.get_logger(__name__)
# Never passed on from outside: our own token, and what the connection itself decides.
DROPPED = {*HOP_BY_HOP, "host", CALLER_HEADER.lower(), "x-forwarded-for"}
# Partners are authenticated by their message signatures, in the interop service.
PARTNER_GATE = Caller(subject="interop-gateway", kind="partner", channel="interop")


async def interop_passthrough(request: Request) -> Response:
    clients: dict[str, httpx.AsyncClient] = request.app.state.clients
    signer: IdentitySigner = request.app.state.signer
    body = await read_body(request, request.app.state.settings.max_body_bytes)
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw
               if k.decode("latin-1").lower() not in DROPPED]
    headers.append((CALLER_HEADER, signer.sign(PARTNER_GATE)))
    client = clients["interop"]
    # The target as the partner sent it, byte for byte (its signature covers it): not the decoded
    # path, which may no longer be a valid URL or name the same route.
    query = request.scope.get("query_string", b"")
    url = client.base_url.copy_with(raw_path=raw_target(request) + (b"?" + query if query else b""))
    try:
        # No retry here: the partner resends under the same message id if it gets no answer.
        upstream = await client.request(request.method, url, content=body, headers=headers)
    except httpx.TimeoutException as exc:
        log.warning("interop service timeout", error=repr(exc))
        raise ServiceUnavailable("interop service did not answer in time; ask before resending") from exc
    except httpx.TransportError as exc:
        log.warning("interop service unreachable", error=repr(exc))
        raise ServiceUnavailable("interop service is unavailable; retry shortly") from exc
    out_headers = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
    return Response(upstream.content, status_code=upstream.status_code, headers=out_headers)


def raw_target(request: Request) -> bytes:
    """The request's path as it came on the wire (percent-encoded), without the query."""
    raw: bytes | None = request.scope.get("raw_path")
    return raw if raw else request.url.path.encode()


def partner_path(path: str) -> bool:
    """The partner API, passed through whole to the interop service."""
    return path.startswith("/interop/v1/")


def register_interop(app: FastAPI) -> None:
    app.add_api_route("/interop/v1/{path:path}", interop_passthrough, include_in_schema=False,
                      methods=["GET", "POST", "PUT", "DELETE"], name="interop:passthrough")
