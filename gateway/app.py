"""Gateway app: authenticates callers, forwards to services, serves the client and the docs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gateway.directory.endpoints import router as stations_router
from gateway.docs import install_docs
from gateway.donors.auth import SESSION_COOKIE
from gateway.donors.endpoints import dev_router
from gateway.donors.endpoints import router as donors_router
from gateway.donors.sms import SANDBOX_KEY_ID as SMS_SANDBOX_KEY_ID
from gateway.donors.sms import AliyunSmsSender
from gateway.donors.wechat import WeChatClient
from gateway.hospitals.endpoints import his_router
from gateway.hospitals.endpoints import ops_router as hospitals_ops_router
from gateway.proxy.interop import partner_path, register_interop
from gateway.proxy.register import register_routes, unkeyed_path
from gateway.proxy.routes import ROUTES
from gateway.settings import GatewaySettings
from gateway.staff.accounts import StaffAccounts
from gateway.staff.endpoints import router as staff_router
from gateway.staff.tokens import StaffTokens
from kit import health, http, idempotency, metrics, tracing
from kit.body_limit import BodyLimitMiddleware
from kit.crypto import BlindIndex, FieldCipher, keys_from_settings
from kit.db import make_engine, make_read_sessionmaker, make_sessionmaker
from kit.identity import IdentitySigner
from kit.logging import configure_logging
from kit.problems import install_problem_handlers, problem_responses
from kit.request_id import RequestIdMiddleware
from kit.security_headers import SecurityHeadersMiddleware

STATIC = Path(__file__).parent / "static"
SCHEMA = "gateway"


def create_app(
    settings: GatewaySettings, *, transports: dict[str, httpx.AsyncBaseTransport] | None = None
) -> FastAPI:
    """`transports` lets tests put in-process service apps behind the real clients."""

    check_sandbox_and_sms(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level, settings.log_json)
        tracing.configure_tracing(settings.service_name)
        private_key = settings.identity_private_key.get_secret_value()
        if not private_key.strip():
            raise RuntimeError("GATEWAY_IDENTITY_PRIVATE_KEY is not set")
        engine = make_engine(settings, application_name="gateway", schema=SCHEMA)
        tracing.instrument_engine(engine, service="gateway")
        app.state.metrics.watch_pool(engine)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.read_sessionmaker = make_read_sessionmaker(engine)
        app.state.signer = IdentitySigner(private_key, ttl_s=settings.caller_token_ttl_s)
        app.state.staff_tokens = StaffTokens(private_key, settings.staff_token_ttl_s)
        app.state.staff_accounts = StaffAccounts(app.state.read_sessionmaker)
        app.state.cipher = FieldCipher(
            keys_from_settings({k: v.get_secret_value() for k, v in settings.field_keys.items()}),
            settings.field_active_key_id)
        app.state.blind_index = BlindIndex.from_settings(settings.blind_index_key)
        app.state.person_index = BlindIndex.from_settings(settings.identity_index_key)
        app.state.sms_http = http.make_client(settings.sms_api_base, timeout_s=5.0,
                                              transport=(transports or {}).get("sms"))
        app.state.sms = AliyunSmsSender(
            app.state.sms_http, access_key_id=settings.sms_access_key_id,
            access_key_secret=settings.sms_access_key_secret.get_secret_value(),
            sign_name=settings.sms_sign_name, template_code=settings.sms_template_code)
        app.state.wechat_http = http.make_client(settings.wechat_api_base, timeout_s=5.0,
                                                 transport=(transports or {}).get("wechat"))
        app.state.wechat = WeChatClient(app.state.wechat_http, settings.wechat_appid,
                                        settings.wechat_secret.get_secret_value())
        urls = {"entitlement": settings.entitlement_url, "claims": settings.claims_url,
                "payments": settings.payments_url, "interop": settings.interop_url}
        app.state.clients = {
            name: http.make_client(url, timeout_s=settings.downstream_timeout_s,
                                   transport=(transports or {}).get(name))
            for name, url in urls.items()
        }
        # Never on the public port: a listener of its own, on the internal network only.
        listener = (await metrics.serve(app.state.metrics, settings.metrics_host, settings.metrics_port)
                    if settings.metrics_port else None)
        staff_listener = app.state.staff_accounts.listener(engine)
        staff_listener.start()
        try:
            yield
        finally:
            await staff_listener.stop()
            if listener is not None:
                listener.close()
            for client in [*app.state.clients.values(), app.state.wechat_http, app.state.sms_http]:
                await client.aclose()
            await engine.dispose()

    app = FastAPI(
        title="血费减免 gateway", version="1.0.0", lifespan=lifespan,
        docs_url=None, redoc_url=None, openapi_url="/gateway/openapi.json",
        responses=problem_responses(413, 422, 503),  # any route: the body limit, bad input, the database down
        description="The only public entry. Surfaces: /api/v1, /ops/v1, /his/v1, /interop/v1; see /docs.",
        telemetry=tracing.FASTAPI_TELEMETRY,
    )
    install_problem_handlers(app)
    # Forwarded routes pass the client's key on: the service that acts keeps the record, in the same
    # transaction as its effect. The gateway keeps records only for the routes it answers itself.
    # The partner API is neither: a partner's message is made once by its signed message id, which
    # the interop service's evidence log keeps (tests/interop), never by an Idempotency-Key here.
    idempotency.install(app, caller_scope=idempotency.bearer_or_cookie(SESSION_COOKIE),
                        skip=lambda path: unkeyed_path(path) or partner_path(path))
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware)  # outside the keys: an oversized body is refused unread
    app.add_middleware(RequestIdMiddleware)
    metrics.install_metrics(app, route=False)
    app.include_router(health.router)
    app.include_router(staff_router)
    app.include_router(donors_router)
    app.include_router(stations_router)
    app.include_router(hospitals_ops_router)
    app.include_router(his_router)
    if settings.sandbox_mode:
        app.include_router(dev_router)
    register_routes(app, ROUTES)
    install_docs(app)  # before the partner API's catch-all, which would take /interop/v1/docs too
    register_interop(app)
    # Last: the client's files at /, so every route above wins over a file name.
    app.mount("/", StaticFiles(directory=STATIC, html=True), name="client")
    return app


class UnsafeConfiguration(RuntimeError):
    """The gateway refuses to start rather than run half-configured."""


def check_sandbox_and_sms(settings: GatewaySettings) -> None:
    """Sandbox mode (the dev panel's /api/v1/dev/*) never in production; outside it, a real SMS provider."""
    if settings.sandbox_mode and settings.environment.strip().lower() == "production":
        raise UnsafeConfiguration("XUEFEI_ENV=production: sandbox mode (GATEWAY_SANDBOX_MODE) must be off")
    configured = bool(settings.sms_api_base.strip() and settings.sms_access_key_id.strip()
                      and settings.sms_access_key_secret.get_secret_value().strip())
    if not configured:
        raise UnsafeConfiguration("no SMS provider: set GATEWAY_SMS_API_BASE, GATEWAY_SMS_ACCESS_KEY_ID and "
                                  "GATEWAY_SMS_ACCESS_KEY_SECRET (`make run` points them at the SMS sandbox)")
    if not settings.sandbox_mode and settings.sms_access_key_id == SMS_SANDBOX_KEY_ID:
        raise UnsafeConfiguration("outside sandbox mode the SMS provider must be a real one, not the SMS sandbox")


def app_from_env() -> FastAPI:
    return create_app(GatewaySettings())
