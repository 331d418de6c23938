"""Every app's live OpenAPI equals its snapshot in contracts/openapi/ (run `make contracts`)."""

from __future__ import annotations

import json

import pytest

from stack import contracts


@pytest.mark.parametrize("service", contracts.SERVICES)
def test_service_schema_matches_its_snapshot(service: str) -> None:
    snapshot = contracts.OUT / f"{service}.json"
    assert snapshot.exists(), f"missing {snapshot}: run `make contracts`"
    live = contracts.dump(contracts.service_schema(service))
    assert json.loads(live) == json.loads(snapshot.read_text(encoding="utf-8")), (
        f"{service} API changed: review the change and run `make contracts`")


def test_gateway_surfaces_match_their_snapshots() -> None:
    for surface, schema in contracts.surface_schemas().items():
        snapshot = contracts.OUT / f"gateway-{surface}.json"
        assert snapshot.exists(), f"missing {snapshot}: run `make contracts`"
        assert json.loads(contracts.dump(schema)) == json.loads(snapshot.read_text(encoding="utf-8")), (
            f"gateway /{surface}/v1 changed: review the change and run `make contracts`")


def test_partner_api_matches_its_published_contract() -> None:
    assert contracts.PARTNER_API.exists(), "missing contracts/interop/partner-api.json: run `make contracts`"
    assert json.loads(contracts.dump(contracts.partner_api())) == json.loads(
        contracts.PARTNER_API.read_text(encoding="utf-8")), "the partner API changed: review, `make contracts`"
