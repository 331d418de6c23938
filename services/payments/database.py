"""The payments schema's declarative base; every table of this service hangs off it."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from kit import idempotency
from kit.db import schema_metadata

SCHEMA = "payments"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


IdempotencyKeys = idempotency.table(Base.metadata)
