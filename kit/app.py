"""The parts every back-end service app shares: middleware, problem handlers, health routes,
and a lifespan that owns the engine and the keys. Domain routers are added by each service."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI

from kit import health, idempotency, tracing
from kit.body_limit import BodyLimitMiddleware
from kit.crypto import BlindIndex, FieldCipher, keys_from_settings
from kit.db import make_engine, make_read_sessionmaker, make_sessionmaker
from kit.identity import IdentityVerifier, ServiceSigner
from kit.logging import configure_logging
from kit.metrics import install_metrics
from kit.problems import install_problem_handlers, problem_responses
from kit.request_id import RequestIdMiddleware
from kit.security_headers import SecurityHeadersMiddleware
from kit.settings import ServiceSettings

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
Hook = Callable[[FastAPI], Awaitable[None]]


def service_lifespan(
    settings: ServiceSettings, *, schema: str, on_start: Hook | None = None, on_stop: Hook | None = None
) -> Lifespan:
    """Engine, sessionmaker, identity verifier and field crypto on `app.state`; closed on exit."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level, settings.log_json)
        tracing.configure_tracing(settings.service_name)
        engine = make_engine(settings, application_name=settings.service_name, schema=schema)
        tracing.instrument_engine(engine, service=settings.service_name)
        app.state.metrics.watch_pool(engine)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.read_sessionmaker = make_read_sessionmaker(engine)
        app.state.identity_verifier = IdentityVerifier(settings.identity_public_key, settings.peer_public_keys)
        own_key = settings.service_private_key.get_secret_value()
        app.state.service_signer = ServiceSigner(settings.service_name, own_key) if own_key.strip() else None
        app.state.cipher = FieldCipher(
            keys_from_settings({k: v.get_secret_value() for k, v in settings.field_keys.items()}),
            settings.field_active_key_id,
        )
        app.state.blind_index = BlindIndex(
            keys_from_settings({"b": settings.blind_index_key.get_secret_value()})["b"]
        )
        identity_key = settings.identity_index_key.get_secret_value()
        app.state.person_index = BlindIndex.from_settings(identity_key) if identity_key.strip() else None
        try:
            if on_start:
                await on_start(app)
            yield
        finally:
            try:
                if on_stop:
                    await on_stop(app)
            finally:
                await engine.dispose()

    return lifespan


def freeze_after_start(app: FastAPI) -> FastAPI:
    """For a process that serves this one app (the uvicorn factories, `app_from_env`): once the
    lifespan has started, move everything start-up built (modules, routes, schemas, models: most of
    the heap) out of the cyclic collector's reach, so that a full collection walks only what
    requests made since. A request that makes many objects (a station import's batch of rows) sets off
    full collections; over the whole heap they were a fifth of the import's CPU (bench/README.md).
    Not for apps started in a test process: frozen objects are never collected."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        async with inner(app) as state:
            gc.collect()
            gc.freeze()
            yield state

    app.router.lifespan_context = lifespan
    return app


def build_app(*, title: str, description: str, lifespan: Lifespan, version: str = "1.0.0",
              own_idempotency: tuple[str, ...] = ()) -> FastAPI:
    """`own_idempotency`: path prefixes whose routes keep their own keyed semantics (entitlement's
    holds), left alone by the Idempotency-Key middleware."""
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        # Every route: a caller token (401), a caller policy (403, kit.callers), the body limit (413).
        responses=problem_responses(401, 403, 413, 422, 503),
        # Services are internal: their OpenAPI stays at /openapi.json; the gateway's /docs shows
        # every public surface (and serves Swagger UI under a CSP that forbids inline script).
        docs_url=None,
        redoc_url=None,
        telemetry=tracing.FASTAPI_TELEMETRY,
    )
    install_problem_handlers(app)
    idempotency.install(app, caller_scope=idempotency.verified_caller,
                        skip=lambda path: path.startswith(own_idempotency) if own_idempotency else False)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware)  # outside the keys: an oversized body is refused unread
    app.add_middleware(RequestIdMiddleware)  # added last: outermost, so every answer carries the id
    install_metrics(app)
    app.include_router(health.router)
    return app
