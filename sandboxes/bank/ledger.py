"""The sandbox bank's books: transfers by merchant number, payouts, and what arrived.

One asyncio lock orders every change, so one merchant number is accepted -- and paid -- once,
however many requests race. With a data dir every change is written to disk before it is
answered (write to a temporary file, then rename), so the books survive a restart: no answer
shows anything that is not on disk yet. Requests that change the books while a write is under
way share the next write (group commit), so a busy sandbox writes its books once per handful of
requests rather than once per request.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from kit import clock
from sandboxes.bank.settings import SandboxSettings

CST = timezone(timedelta(hours=8))


def now() -> datetime:
    return clock.now()


def mask(account: str) -> str:
    return f"{account[:4]} **** **** {account[-4:]}" if len(account) >= 8 else "****"


def digest(account: str) -> str:
    return hashlib.sha256(account.encode()).hexdigest()


@dataclass
class Transfer:
    merchant_transfer_no: str
    merchant_id: str
    amount_fen: int
    # Even the sandbox keeps no whole account number on disk: a digest to compare, the tail to show.
    account_digest: str
    account_masked: str
    account_tail: str
    account_name: str
    bank_name: str
    remark: str
    status: str  # processing, settled, returned, rejected
    bank_reference: str
    accepted_at: str
    bounces: bool = False  # decided from the whole number at acceptance (the 0000 rule)
    reason: str | None = None
    settled_at: str | None = None

    def same_order(self, other: Transfer) -> bool:
        return (self.amount_fen, self.account_digest, self.account_name) == (
            other.amount_fen, other.account_digest, other.account_name)

    def public(self) -> dict[str, Any]:
        """What the bank API shows: never the whole account number."""
        return {
            "merchant_transfer_no": self.merchant_transfer_no, "status": self.status, "amount_fen": self.amount_fen,
            "bank_reference": self.bank_reference, "reason": self.reason, "accepted_at": self.accepted_at,
            "settled_at": self.settled_at, "payee_account_masked": self.account_masked,
            "payee_account_name": self.account_name,
        }


@dataclass
class Books:
    transfers: dict[str, Transfer] = field(default_factory=dict)
    payouts: list[dict[str, Any]] = field(default_factory=list)
    requests: dict[str, dict[str, int]] = field(default_factory=dict)
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)  # statement tampering, for tests
    sequence: int = 0


class Ledger:
    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.lock = asyncio.Lock()
        self._path = settings.data_dir / "ledger.json" if settings.data_dir else None
        self.books = self._load()
        self._version = 0  # changes made to the books since start
        self._saved_version = 0  # of which on disk
        self._writing: asyncio.Task[None] | None = None

    def _load(self) -> Books:
        if self._path is None or not self._path.exists():
            return Books()
        data = json.loads(self._path.read_text(encoding="utf-8"))
        data["transfers"] = {k: Transfer(**v) for k, v in data["transfers"].items()}
        return Books(**data)

    def _changed(self) -> None:
        """Call under the lock after changing the books; then `await self._durable()` before answering."""
        self._version += 1

    async def _durable(self) -> None:
        """Return once every change made so far (this caller's and any it may have read) is on disk.
        A write under way may have missed them: then the next write, which later callers share."""
        if self._path is None:
            return
        target = self._version
        while self._saved_version < target:
            if self._writing is None:
                self._writing = asyncio.get_running_loop().create_task(self._write())
            await asyncio.shield(self._writing)  # a caller that goes away does not stop the write

    async def _write(self) -> None:
        assert self._path is not None
        try:
            async with self.lock:  # a consistent picture of the books, with every change made so far
                version, text = self._version, json.dumps(self._plain(), ensure_ascii=False)
            await asyncio.to_thread(self._write_file, self._path, text)  # meanwhile, requests go on
            self._saved_version = max(self._saved_version, version)
        finally:
            self._writing = None

    @staticmethod
    def _write_file(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)

    def _plain(self) -> dict[str, Any]:
        """The books as JSON-ready data: what `dataclasses.asdict` gives, without its deep copy of
        every value (the whole file is written each time, and that copy was most of the sandbox's
        CPU: about 25 ms a write with 600 transfers on the books)."""
        b = self.books
        return {"transfers": {number: vars(t) for number, t in b.transfers.items()}, "payouts": b.payouts,
                "requests": b.requests, "overrides": b.overrides, "sequence": b.sequence}

    def count(self, number: str, kind: str) -> None:
        counts = self.books.requests.setdefault(number, {"posts": 0, "queries": 0})
        counts[kind] += 1

    async def note_arrival(self, number: str, kind: str) -> None:
        async with self.lock:
            self.count(number, kind)
            self._changed()
        await self._durable()

    async def accept(self, order: Transfer, account_number: str) -> tuple[Transfer, bool]:
        """(transfer, new). A number already held returns that transfer; the caller checks details."""
        async with self.lock:
            transfer, new = self._accept(order, account_number)
            transfer = copy.copy(transfer)  # as it is now: it may settle before we answer
        await self._durable()
        return transfer, new

    def _accept(self, order: Transfer, account_number: str) -> tuple[Transfer, bool]:
        self._settle_due()
        existing = self.books.transfers.get(order.merchant_transfer_no)
        if existing is not None:
            return existing, False
        self.books.sequence += 1
        order.bank_reference = f"SBX{self.books.sequence:010d}"
        order.accepted_at = now().isoformat()
        order.bounces = account_number.endswith(self.settings.bounce_suffix)
        if account_number.endswith(self.settings.reject_suffix):
            order.status, order.reason = "rejected", "账户已冻结 (account frozen)"
        self.books.transfers[order.merchant_transfer_no] = order
        self._changed()
        return order, True

    async def get(self, number: str) -> Transfer | None:
        async with self.lock:
            self._settle_due()
            transfer = copy.copy(self.books.transfers.get(number))  # as it is now, not as it may be by then
        await self._durable()
        return transfer

    async def settle(self, *, everything: bool = False) -> int:
        async with self.lock:
            settled = self._settle_due(everything=everything)
        await self._durable()
        return settled

    def _settle_due(self, *, everything: bool = False) -> int:
        moment = now()
        due_before = moment - timedelta(seconds=self.settings.settle_delay_s)
        settled = 0
        for t in self.books.transfers.values():
            if t.status != "processing" or (not everything and datetime.fromisoformat(t.accepted_at) > due_before):
                continue
            t.settled_at = moment.isoformat()
            settled += 1
            if t.bounces:
                t.status, t.reason = "returned", "账户不存在 (no such account); 已退回"
                continue
            t.status = "settled"
            # The one place money leaves the bank; a number reaches it once, from processing.
            self.books.payouts.append({
                "merchant_transfer_no": t.merchant_transfer_no, "amount_fen": t.amount_fen,
                "account_number_masked": t.account_masked, "account_tail": t.account_tail,
                "account_name": t.account_name, "paid_at": t.settled_at,
            })
        if settled:
            self._changed()
        return settled

    async def statement(self, day: date) -> list[dict[str, Any]]:
        async with self.lock:
            self._settle_due()
            lines = []
            for t in self.books.transfers.values():
                accepted = datetime.fromisoformat(t.accepted_at)
                if t.status == "rejected" or accepted.astimezone(CST).date() != day:
                    continue
                override = self.books.overrides.get(t.merchant_transfer_no, {})
                if override.get("omit"):
                    continue
                lines.append({
                    "merchant_transfer_no": t.merchant_transfer_no, "status": override.get("status") or t.status,
                    "amount_fen": override.get("amount_fen") or t.amount_fen, "bank_reference": t.bank_reference,
                    "accepted_at": t.accepted_at, "settled_at": t.settled_at,
                })
        await self._durable()
        return sorted(lines, key=lambda line: line["accepted_at"])

    async def override(self, number: str, values: dict[str, Any]) -> None:
        async with self.lock:
            self.books.overrides[number] = values
            self._changed()
        await self._durable()

    async def reset(self) -> None:
        async with self.lock:
            self.books = Books()
            self._changed()
        await self._durable()

    async def snapshot(self) -> dict[str, Any]:
        async with self.lock:
            self._settle_due()
            books = {
                "transfers": [t.public() for t in self.books.transfers.values()],
                "payouts": list(self.books.payouts),
                "requests": {number: dict(counts) for number, counts in self.books.requests.items()},
                "overrides": dict(self.books.overrides),
            }
        await self._durable()
        return books
