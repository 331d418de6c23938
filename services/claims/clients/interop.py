"""The claims service's narrow view of the interop service: which partner decides a province, and
asking that partner to authorise a direct reduction."""

from __future__ import annotations

from typing import Any

import httpx

from kit import http
from kit.identity import ServiceSigner
from kit.problems import Problem, ServiceUnavailable


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

    async def authorise(self, request: dict[str, Any], province: str) -> dict[str, Any]:
        """The partner's answer to a hospital's notice request (跨省直免): eligible, its notice number,
        the amount and validity, or why not. Synchronous: the patient waits at the desk."""
        try:
            response = await http.send(self._client, "POST", "/v1/outbound/authorisations",
                                       json={**request, "donor_province": province}, headers=self._signer.headers(),
                                       idempotency_key=request["authorisation_ref"])
        except httpx.TransportError as exc:
            raise ServiceUnavailable("跨省互通服务暂不可用，请稍后再试 (interop service unavailable)") from exc
        data: dict[str, Any] = response.json()
        if response.status_code == 200:
            return data
        if response.status_code >= 500:
            raise ServiceUnavailable(data.get("detail") or "献血地平台暂不可用 (the partner is unavailable)")
        errors = data.get("errors") or []
        raise Problem(data.get("detail"), status=response.status_code, slug="partner-refused",
                      title=data.get("title", "Refused by the partner"),
                      field=errors[0]["field"] if errors else None)
