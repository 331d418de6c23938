"""Build the real apps with test settings and run their lifespans in-process."""

from __future__ import annotations

import importlib
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from sandboxes.sms.app import SANDBOX_KEY_ID as SMS_KEY_ID
from sandboxes.sms.app import SANDBOX_KEY_SECRET as SMS_KEY_SECRET
from sandboxes.sms.app import create_app as create_sms_sandbox
from sandboxes.wechat.app import create_app as create_wechat_sandbox
from stack import keys as devkeys
from stack.seed import seed_staff

SERVICES = ("entitlement", "claims", "payments", "interop")


def service_settings(name: str, database_url: str, keys: devkeys.DevKeys, **overrides: Any) -> Any:
    settings_module = importlib.import_module(f"services.{name}.settings")
    env = keys.service_env(name)
    prefix = name.upper() + "_"
    values = {k[len(prefix):].lower(): v for k, v in env.items()}
    for key in ("field_keys", "peer_public_keys"):
        values[key] = json.loads(values[key])
    return settings_module.Settings(database_url=database_url, log_json=False, log_level="WARNING",
                                    **values, **overrides)


def service_app(name: str, database_url: str, keys: devkeys.DevKeys, *,
                transports: dict[str, httpx.AsyncBaseTransport] | None = None, **overrides: Any) -> FastAPI:
    module = importlib.import_module(f"services.{name}.app")
    settings = service_settings(name, database_url, keys, **overrides)
    if transports is not None:
        return module.create_app(settings, transports=transports)
    return module.create_app(settings)


def gateway_settings(database_url: str, keys: devkeys.DevKeys, **overrides: Any) -> GatewaySettings:
    env = keys.gateway_env()
    values: dict[str, Any] = dict(
        database_url=database_url, identity_private_key=env["GATEWAY_IDENTITY_PRIVATE_KEY"],
        field_keys=json.loads(env["GATEWAY_FIELD_KEYS"]), field_active_key_id=env["GATEWAY_FIELD_ACTIVE_KEY_ID"],
        blind_index_key=env["GATEWAY_BLIND_INDEX_KEY"], identity_index_key=env["GATEWAY_IDENTITY_INDEX_KEY"],
        sandbox_mode=True, sms_api_base="http://sms.test", sms_access_key_id=SMS_KEY_ID,
        sms_access_key_secret=SMS_KEY_SECRET, log_json=False, log_level="WARNING")
    return GatewaySettings(**{**values, **overrides})


@dataclass
class AppStack:
    gateway: httpx.AsyncClient
    services: dict[str, httpx.AsyncClient]
    apps: dict[str, FastAPI] = field(default_factory=dict)

    async def drain_outbox(self) -> int:
        """Deliver every due claims outbox row now (the background loop is off in tests)."""
        from services.claims.outbox.deliver import deliver_once

        claims = self.apps["claims"]
        total = 0
        while delivered := await deliver_once(claims.state.sessionmaker, claims.state.peers,
                                              claims.state.outbox_policy):
            total += delivered
        return total

    async def login(self, username: str, password: str) -> dict[str, str]:
        response = await self.gateway.post("/ops/v1/auth/token", data={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}


@asynccontextmanager
async def start_stack(database_url: str, keys: devkeys.DevKeys, *, admin_password: str,
                      documents_dir: Path) -> AsyncIterator[AppStack]:
    async with AsyncExitStack() as stack:
        apps = {name: service_app(name, database_url, keys) for name in ("entitlement", "payments")}
        # Claims and interop call their peers through their real clients, over in-process
        # transports (filled in once both exist); their outbox loops are off so tests deliver
        # deterministically (AppStack.drain_outbox).
        claims_peers: dict[str, httpx.AsyncBaseTransport] = {
            peer: httpx.ASGITransport(app=apps[peer]) for peer in ("entitlement", "payments")}
        apps["claims"] = service_app("claims", database_url, keys, documents_dir=documents_dir,
                                     outbox_enabled=False, transports=claims_peers)
        apps["interop"] = service_app("interop", database_url, keys, outbox_enabled=False,
                                      public_base_url="http://gateway.test", transports={
            peer: httpx.ASGITransport(app=apps[peer]) for peer in ("entitlement", "payments", "claims")})
        claims_peers["interop"] = httpx.ASGITransport(app=apps["interop"])
        for app in apps.values():
            await stack.enter_async_context(app.router.lifespan_context(app))
        transports: dict[str, httpx.AsyncBaseTransport] = {
            name: httpx.ASGITransport(app=app) for name, app in apps.items()}
        transports["wechat"] = httpx.ASGITransport(app=create_wechat_sandbox())
        transports["sms"] = httpx.ASGITransport(app=create_sms_sandbox())
        gateway_app = create_gateway(gateway_settings(database_url, keys), transports=transports)
        await stack.enter_async_context(gateway_app.router.lifespan_context(gateway_app))
        await seed_staff(gateway_app.state.engine, admin_password=admin_password, fresh=False)
        gateway = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway_app), base_url="http://gateway.test"))
        services = {
            name: await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}.test"))
            for name, app in apps.items()
        }
        yield AppStack(gateway=gateway, services=services, apps={**apps, "gateway": gateway_app})
