"""The bank's API, as the payments service's bank-transfer channel calls it."""

from __future__ import annotations

import random
import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from sandboxes.bank.faults import Faults, LostResponse
from sandboxes.bank.ledger import Ledger, Transfer, digest, mask

router = APIRouter(prefix="/api", tags=["bank API"])
NUMBER = r"^[A-Za-z0-9]{6,64}$"


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    merchant_id: str = Field("", max_length=64)
    merchant_transfer_no: str = Field(pattern=NUMBER)
    amount_fen: int = Field(gt=0)
    payee_account_number: str = Field(pattern=r"^\d{8,32}$")
    payee_account_name: str = Field(min_length=1, max_length=64)
    payee_bank_name: str = Field("", max_length=128)
    remark: str = Field("", max_length=200)


def ledger_of(request: Request) -> Ledger:
    return request.app.state.ledger


def faults_of(request: Request) -> Faults:
    return request.app.state.faults


LedgerDep = Annotated[Ledger, Depends(ledger_of)]
FaultsDep = Annotated[Faults, Depends(faults_of)]


def error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


async def _before(faults: Faults, operation: str) -> tuple[Response | None, float | None]:
    """(answer instead of doing anything, or hold-then-lose seconds for lose_response)."""
    fault = faults.take(operation)
    if fault is None:
        return None, None
    if fault.mode == "down":
        return error(503, "BANK_UNAVAILABLE", "银行系统维护中 (sandbox: down)", **{"Retry-After": "1"}), None
    if fault.mode == "error_500":
        return error(500, "INTERNAL_ERROR", "银行内部错误 (sandbox: error_500)"), None
    if fault.mode == "timeout":
        await faults.hold(fault.hold_s)
        return error(504, "TIMEOUT", "处理超时 (sandbox: timeout)"), None
    if fault.mode == "slow":
        # Uneven delays, as a busy bank gives: callers drift out of step with each other.
        await faults.hold(random.uniform(0, fault.hold_s))
        return None, None
    return None, fault.hold_s  # lose_response: act first, then lose the answer


@router.post("/transfers", summary="Accept a transfer (never paid twice under one number)")
async def post_transfer(body: TransferIn, ledger: LedgerDep, faults: FaultsDep) -> Response:
    await ledger.note_arrival(body.merchant_transfer_no, "posts")
    instead, lose_after = await _before(faults, "transfer")
    if instead is not None:
        return instead
    account = re.sub(r"\s", "", body.payee_account_number)
    order = Transfer(
        merchant_transfer_no=body.merchant_transfer_no, merchant_id=body.merchant_id, amount_fen=body.amount_fen,
        account_digest=digest(account), account_masked=mask(account), account_tail=account[-4:],
        account_name=body.payee_account_name, bank_name=body.payee_bank_name, remark=body.remark,
        status="processing", bank_reference="", accepted_at="",
    )
    transfer, new = await ledger.accept(order, account)
    if not new and not transfer.same_order(order):
        return error(409, "DUPLICATE_TRANSFER_NO", "商户流水号已用于另一笔转账 (number held by another transfer)")
    if lose_after is not None:
        await faults.hold(lose_after)
        return LostResponse()
    return JSONResponse(transfer.public(), status_code=201 if new else 200)


@router.get("/transfers/{merchant_transfer_no}", summary="A transfer's state by merchant number")
async def get_transfer(merchant_transfer_no: str, ledger: LedgerDep, faults: FaultsDep) -> Response:
    await ledger.note_arrival(merchant_transfer_no, "queries")
    instead, lose_after = await _before(faults, "query")
    if instead is not None:
        return instead
    transfer = await ledger.get(merchant_transfer_no)
    if lose_after is not None:
        await faults.hold(lose_after)
        return LostResponse()
    if transfer is None:
        return error(404, "TRANSFER_NOT_FOUND", "查无此笔转账 (no transfer with this number)")
    return JSONResponse(transfer.public())


@router.get("/statements/{day}", summary="Every transfer accepted on a day (China time), state now")
async def get_statement(day: date, ledger: LedgerDep, faults: FaultsDep) -> Response:
    instead, lose_after = await _before(faults, "statement")
    if instead is not None:
        return instead
    lines = await ledger.statement(day)
    if lose_after is not None:
        await faults.hold(lose_after)
        return LostResponse()
    return JSONResponse({"date": day.isoformat(), "lines": lines, "sandbox": True})
