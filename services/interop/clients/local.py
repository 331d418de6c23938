"""Calls to this platform's own services (claims, entitlement, payments), as the interop service
itself (kit.identity.ServiceSigner): the business stays with the service that owns it."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from kit import http
from kit.problems import ServiceUnavailable


async def call(app: FastAPI, service: str, method: str, path: str, *, idempotency_key: str | None = None,
               headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
    client: httpx.AsyncClient = app.state.peers_http[service]
    try:
        response = await http.send(client, method, path, headers={**(headers or {}),
                                                                  **app.state.service_signer.headers()},
                                   idempotency_key=idempotency_key, **kwargs)
    except httpx.TransportError as exc:
        raise ServiceUnavailable(f"{service} 服务暂不可用 ({service} service unavailable); retry") from exc
    if response.status_code >= 500 or response.status_code in (408, 429):
        raise ServiceUnavailable(f"{service} 服务暂不可用 ({service} answered {response.status_code}); retry")
    return response
