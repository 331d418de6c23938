"""Test and demo controls of the sandbox bank (a real bank has none of these)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from sandboxes.bank.api import FaultsDep, LedgerDep
from sandboxes.bank.faults import FaultIn

router = APIRouter(prefix="/sandbox", tags=["sandbox controls"])


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merchant_transfer_no: str
    amount_fen: int | None = Field(None, gt=0, description="show this amount on the statement instead")
    omit: bool = Field(False, description="leave the transfer off the statement")
    status: Literal["processing", "settled", "returned"] | None = Field(None, description="show this state instead")


@router.get("/ledger", summary="The bank's own books: transfers, payouts, requests received per number")
async def ledger(ledger: LedgerDep) -> dict[str, Any]:
    return await ledger.snapshot()


@router.post("/faults", summary="Make the next matching requests fail in a chosen way")
async def add_fault(body: FaultIn, faults: FaultsDep) -> dict[str, Any]:
    faults.add(body)
    return {"active": [f.public() for f in faults.active]}


@router.get("/faults", summary="Faults still active")
async def list_faults(faults: FaultsDep) -> dict[str, Any]:
    return {"active": [f.public() for f in faults.active]}


@router.delete("/faults", summary="Clear every fault and release held requests")
async def clear_faults(faults: FaultsDep) -> dict[str, Any]:
    faults.clear()
    return {"active": []}


@router.post("/settle", summary="Settle every processing transfer now, whatever the delay")
async def settle(ledger: LedgerDep) -> dict[str, int]:
    return {"settled": await ledger.settle(everything=True)}


@router.post("/statement-overrides", summary="Tamper with the statement: another amount or state, or leave a line off")
async def override(body: OverrideIn, ledger: LedgerDep) -> dict[str, str]:
    await ledger.override(body.merchant_transfer_no, body.model_dump(exclude={"merchant_transfer_no"}))
    return {"status": "ok"}


@router.post("/reset", summary="Empty the books and clear every fault")
async def reset(ledger: LedgerDep, faults: FaultsDep) -> dict[str, str]:
    faults.clear()
    await ledger.reset()
    return {"status": "ok"}
