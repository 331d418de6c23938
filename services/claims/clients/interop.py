"""The claims service's narrow view of the interop service: which partner decides a province."""

from __future__ import annotations

import httpx

from kit import http
from kit.identity import ServiceSigner
from kit.problems import ServiceUnavailable


class InteropClient:
    def __init__(self, client: httpx.AsyncClient, signer: ServiceSigner) -> None:
        self._client, self._signer = client, signer

    async def partner_for(self, province: str) -> str | None:
        """The code of the partner platform serving a donation province, or None: we decide."""
        try:
            response = await http.send(self._client, "GET", f"/v1/routing/{province}", headers=self._signer.headers())
        except httpx.TransportError as exc:
            raise ServiceUnavailable("跨省互通服务暂不可用，请稍后再试 (interop service unavailable)") from exc
        if response.status_code != 200:
            raise ServiceUnavailable(f"跨省互通服务暂不可用 (interop answered {response.status_code})")
        partner: str | None = response.json().get("partner")
        return partner
