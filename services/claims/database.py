"""The claims schema's declarative base."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from kit import idempotency
from kit.db import schema_metadata

SCHEMA = "claims"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


IdempotencyKeys = idempotency.table(Base.metadata)
