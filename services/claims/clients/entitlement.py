"""The claims service's narrow view of the entitlement service: holds (quote included)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from kit import http
from kit.identity import ServiceSigner
from kit.problems import Problem, ServiceUnavailable, Unprocessable

# Entitlement's request fields -> the claim JSON's fields, so an error points at the claim form.
_FIELD_MAP = {"used_on": "usage.used_on", "usage_province": "usage.usage_province", "paid_on": "usage.paid_on",
              "blood_fee_fen": "invoice.blood_fee_fen", "items": "usage.items",
              "mutual_aid_fen": "invoice.mutual_aid_fen"}


def claim_field(field: str) -> str:
    field = re.sub(r"^quote\.", "", field)
    if field.startswith("items["):
        return "usage." + field
    # additional_donors[0].donor.cert_number -> additional_donors[0].cert_number (the claim's shape)
    field = re.sub(r"^(additional_donors\[\d+\])\.donor\.", r"\1.", field)
    return _FIELD_MAP.get(field, field)


class HoldLapsed(Exception):
    """The key's hold exists but is no longer live (expired, released): never taken as placed."""


@dataclass
class HoldResult:
    placed: bool  # False: nothing left in the pool (quota exhausted)
    quote: dict[str, Any]
    hold: dict[str, Any] | None


class EntitlementClient:
    def __init__(self, client: httpx.AsyncClient, signer: ServiceSigner) -> None:
        self._client, self._signer = client, signer

    async def _post(self, path: str, body: dict[str, Any], key: str | None = None) -> httpx.Response:
        try:
            return await http.send(self._client, "POST", path, json=body, headers=self._signer.headers(),
                                   idempotency_key=key)
        except httpx.TransportError as exc:
            raise ServiceUnavailable("额度服务暂不可用，请稍后再试 (entitlement service unavailable)") from exc

    async def place_hold(self, key: str, body: dict[str, Any]) -> HoldResult:
        response = await self._post("/v1/holds", body, key)
        data = response.json()
        if response.status_code in (200, 201):
            if data.get("state") != "held":  # an older entitlement replaying a lapsed hold as it was
                raise HoldLapsed(f"hold {key} is {data.get('state')}")
            return HoldResult(placed=True, quote=data["quote"], hold=data)
        if response.status_code == 409 and data.get("type", "").endswith("quota-exhausted"):
            return HoldResult(placed=False, quote=data["quote"], hold=None)
        if response.status_code == 409 and data.get("type", "").endswith("hold-not-live"):
            raise HoldLapsed(data.get("detail") or f"hold {key} is no longer live")
        if response.status_code in (404, 422):
            errors = data.get("errors") or [{"field": "donor.cert_number", "message": data.get("detail", "")}]
            raise Unprocessable(data.get("detail"), field=claim_field(errors[0]["field"]))
        if response.status_code >= 500:
            raise ServiceUnavailable("额度服务暂不可用，请稍后再试 (entitlement service unavailable)")
        raise Problem(data.get("detail"), status=response.status_code, slug="entitlement",
                      title=data.get("title", "Entitlement refused"))

    async def simulate(self, body: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """A draft rule-set version over the given cases; stores nothing, so a retry is safe."""
        try:
            response = await http.send(self._client, "POST", "/v1/rule-sets/simulate", json=body,
                                       headers=self._signer.headers(), timeout=timeout_s)
        except httpx.TransportError as exc:
            raise ServiceUnavailable("额度服务暂不可用，请稍后再试 (entitlement service unavailable)") from exc
        data = response.json()
        if response.status_code == 200:
            return data  # type: ignore[no-any-return]
        if response.status_code == 422:
            errors = data.get("errors") or [{"field": "draft"}]
            raise Unprocessable(data.get("detail"), field=errors[0]["field"])
        raise ServiceUnavailable("额度服务暂不可用，请稍后再试 (entitlement service unavailable)")

