"""OpenAPI snapshots of every app in contracts/openapi/: every interface change is a diff.

Services first: the gateway's surface documents are built from the service snapshots.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "contracts" / "openapi"
SERVICES = ("entitlement", "claims", "payments")
SURFACES = ("api", "ops", "his", "interop")


def service_schema(name: str) -> dict[str, Any]:
    import importlib

    module = importlib.import_module(f"services.{name}.app")
    settings_module = importlib.import_module(f"services.{name}.settings")
    return module.create_app(settings_module.Settings()).openapi()


def surface_schemas() -> dict[str, dict[str, Any]]:
    from gateway import docs
    from gateway.app import create_app
    from gateway.settings import GatewaySettings

    docs._service_contract.cache_clear()
    # As deployed: no sandbox routes, a (placeholder) real SMS provider, which the documents never show.
    app = create_app(GatewaySettings(sms_api_base="https://sms.invalid", sms_access_key_id="contracts",
                                     sms_access_key_secret="contracts"))
    return {surface: docs.surface_openapi(app, surface) for surface in SURFACES}


def dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_snapshots() -> list[Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SERVICES:
        path = OUT / f"{name}.json"
        path.write_text(dump(service_schema(name)), encoding="utf-8")
        written.append(path)
    for surface, schema in surface_schemas().items():
        path = OUT / f"gateway-{surface}.json"
        path.write_text(dump(schema), encoding="utf-8")
        written.append(path)
    return written
