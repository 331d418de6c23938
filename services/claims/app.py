from __future__ import annotations

from fastapi import FastAPI

import services.claims as package
from kit.app import build_app, service_lifespan
from kit.identity import whoami_router
from services.claims.settings import Settings

SCHEMA = "claims"


def create_app(settings: Settings) -> FastAPI:
    app = build_app(
        title="血费减免 claims service",
        description=package.__doc__ or "",
        lifespan=service_lifespan(settings, schema=SCHEMA),
    )
    app.include_router(whoami_router)
    return app


def app_from_env() -> FastAPI:
    return create_app(Settings())
