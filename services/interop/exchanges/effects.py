"""What an answer from a partner changes here, per outbox message kind. Each effect is applied
through the local service that owns the data, and may be applied again (a resend gets the first
answer), so each must be idempotent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI

from services.interop.outbox.models import OutboundMessage

Effect = Callable[[FastAPI, OutboundMessage, int, Any], Awaitable[None]]
EFFECTS: dict[str, Effect] = {}


def effect(kind: str) -> Callable[[Effect], Effect]:
    def register(fn: Effect) -> Effect:
        EFFECTS[kind] = fn
        return fn

    return register


async def apply(app: FastAPI, row: OutboundMessage, status: int, body: Any) -> None:
    fn = EFFECTS.get(row.kind)
    if fn is not None:
        await fn(app, row, status, body)
