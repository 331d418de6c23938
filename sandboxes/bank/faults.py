"""Faults tests switch on: the bank times out, fails with 5xx, loses its answer after doing the
transfer, or is down. Each fault covers the next `count` matching requests (or all, until cleared)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

Mode = Literal["timeout", "error_500", "lose_response", "down", "slow"]
Operation = Literal["transfer", "query", "statement"]
DEFAULT_OPERATIONS: dict[str, list[Operation]] = {
    "timeout": ["transfer"], "error_500": ["transfer"], "lose_response": ["transfer"],
    "down": ["transfer", "query", "statement"], "slow": ["transfer", "query"],
}


class FaultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Mode = Field(description="timeout: hold the request, do nothing, then 504. error_500: do nothing, "
                                   "500. lose_response: do the transfer, then cut the connection (after "
                                   "hold_s). down: 503 for everything. slow: up to hold_s, then answer normally.")
    count: int | None = Field(1, ge=1, description="how many matching requests; null: until cleared")
    operations: list[Operation] | None = Field(None, description="default: transfer (down: all)")
    hold_s: float = Field(0.0, ge=0, le=300, description="timeout, lose_response, slow: how long to hold "
                                                         "first (timeout defaults to 60 s); clearing releases it")


@dataclass
class Fault:
    mode: Mode
    remaining: int | None
    operations: set[str]
    hold_s: float

    def public(self) -> dict[str, object]:
        return {"mode": self.mode, "remaining": self.remaining, "operations": sorted(self.operations),
                "hold_s": self.hold_s}


@dataclass
class Faults:
    active: list[Fault] = field(default_factory=list)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, spec: FaultIn) -> None:
        hold = spec.hold_s or (60.0 if spec.mode == "timeout" else 0.0)
        self.active.append(Fault(spec.mode, spec.count, set(spec.operations or DEFAULT_OPERATIONS[spec.mode]), hold))
        self.released.clear()

    def clear(self) -> None:
        self.active.clear()
        self.released.set()  # let go of any request being held

    def take(self, operation: str) -> Fault | None:
        """The fault that applies to this request, used up by one."""
        for fault in self.active:
            if operation in fault.operations:
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.active.remove(fault)
                return fault
        return None

    async def hold(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.released.wait(), timeout=seconds)
        except TimeoutError:
            pass


class LostResponse(Response):
    """Starts an answer and drops the connection mid-body: the bank acted, the caller never hears."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096"),
                                (b"x-sandbox", b"bank")]})
        await send({"type": "http.response.body", "body": b'{"merchant_transfer_no": "', "more_body": True})
        raise ConnectionAbortedError("bank sandbox: response deliberately lost after the transfer was done")
