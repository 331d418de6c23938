"""Every app's MetaData, for autogenerate. Migrations may see all schemas; apps never do."""

from __future__ import annotations

from sqlalchemy import MetaData


def all_metadata() -> list[MetaData]:
    from gateway.staff.models import Base as GatewayBase

    return [GatewayBase.metadata]
