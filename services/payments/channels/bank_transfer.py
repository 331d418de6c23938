"""Bank transfer (银行转账) over the bank's HTTP API (银企直连 style): the bank sandbox speaks it,
and a real bank's adapter maps its own message format onto these three calls."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

import httpx
import structlog

from kit import http
from services.payments.channels.base import (
    ChannelError,
    StatementLine,
    TransferRequest,
    TransferState,
    TransferStatus,
)

log = structlog.get_logger(__name__)
BANK_STATES: dict[str, TransferState] = {
    "processing": "processing", "settled": "succeeded", "returned": "returned", "rejected": "failed",
}
ONE_TRY = http.RetryPolicy(attempts=1)  # the worker owns retries: it must query before re-sending


class BankTransferChannel:
    name = "bank_transfer"

    def __init__(self, base_url: str, *, merchant_id: str, timeout_s: float,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._client = http.make_client(base_url, timeout_s=timeout_s, transport=transport)
        self._merchant_id = merchant_id
        self._deadline_s = timeout_s + 1.0

    @property
    def enabled(self) -> bool:
        return True

    async def _call(self, method: str, path: str, *, retry: http.RetryPolicy = ONE_TRY,
                    **kwargs: Any) -> httpx.Response:
        try:
            async with asyncio.timeout(self._deadline_s):
                return await http.send(self._client, method, path, retry=retry,
                                       headers={"X-Merchant-Id": self._merchant_id}, **kwargs)
        except Exception as exc:
            # Whatever went wrong (refused, reset, timed out, cut off mid-body), we have no answer.
            raise ChannelError(f"bank {method} {path.split('/')[2]}: {type(exc).__name__}: {exc}"[:500]) from exc

    async def send(self, request: TransferRequest) -> TransferStatus:
        response = await self._call("POST", "/api/transfers", json={
            "merchant_id": self._merchant_id, "merchant_transfer_no": request.merchant_transfer_no,
            "amount_fen": request.amount_fen, "payee_account_number": request.account_number,
            "payee_account_name": request.account_name, "payee_bank_name": request.bank_name,
            "remark": request.remark,
        })
        if response.status_code == 422:
            # The bank read the request and refused it: nothing was or will be paid under it.
            return TransferStatus(request.merchant_transfer_no, "failed",
                                  reason=f"银行拒绝受理: {_problem(response)}")
        if response.status_code not in (200, 201):
            # 409 included: the number is held by another transfer at the bank; never auto-resolve.
            raise ChannelError(f"bank refused the transfer: HTTP {response.status_code} {_problem(response)}")
        return _status(response)

    async def query(self, merchant_transfer_no: str) -> TransferStatus:
        response = await self._call("GET", f"/api/transfers/{merchant_transfer_no}")
        if response.status_code == 404 and _code(response) == "TRANSFER_NOT_FOUND":
            return TransferStatus(merchant_transfer_no, "not_found")
        if response.status_code != 200:
            raise ChannelError(f"bank query: HTTP {response.status_code} {_problem(response)}")
        return _status(response)

    async def statement(self, day: date) -> list[StatementLine]:
        response = await self._call("GET", f"/api/statements/{day.isoformat()}", retry=http.RetryPolicy())
        if response.status_code != 200:
            raise ChannelError(f"bank statement {day}: HTTP {response.status_code} {_problem(response)}")
        try:
            return [StatementLine(
                merchant_transfer_no=line["merchant_transfer_no"], amount_fen=int(line["amount_fen"]),
                state=BANK_STATES[line["status"]], channel_reference=line.get("bank_reference"),
                accepted_at=_time(line.get("accepted_at")),
            ) for line in response.json()["lines"]]
        except (KeyError, ValueError, TypeError) as exc:
            raise ChannelError(f"bank statement {day} is not readable: {exc!r}") from exc

    async def aclose(self) -> None:
        await self._client.aclose()


def _status(response: httpx.Response) -> TransferStatus:
    try:
        body = response.json()
        return TransferStatus(
            merchant_transfer_no=body["merchant_transfer_no"], state=BANK_STATES[body["status"]],
            amount_fen=int(body["amount_fen"]), channel_reference=body.get("bank_reference"),
            reason=body.get("reason"), accepted_at=_time(body.get("accepted_at")),
            finished_at=_time(body.get("settled_at")),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise ChannelError(f"bank reply is not readable: {exc!r}") from exc


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _code(response: httpx.Response) -> str | None:
    try:
        return response.json().get("code")
    except ValueError:
        return None


def _problem(response: httpx.Response) -> str:
    try:
        body = response.json()
        return str(body.get("detail") or body.get("message") or body)[:300]
    except ValueError:
        return response.text[:300]
