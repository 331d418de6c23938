"""The channel interface. Every real transfer API we pay through keys a transfer by a number
the merchant chooses (bank 客户流水号, Alipay `out_biz_no`, WeChat Pay `out_bill_no`) and can be
queried by it: that is what lets the worker ask before it sends again, and never pay twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

# processing: accepted, not settled. not_found: the channel has no transfer with this number.
TransferState = Literal["processing", "succeeded", "returned", "failed", "not_found"]


class ChannelError(Exception):
    """No definite answer: unreachable, timed out, 5xx, or a reply we cannot read. The transfer
    may or may not exist at the channel; ask (query) before sending again."""


class ChannelNotEnabled(ChannelError):
    """The channel is not configured in this deployment."""


@dataclass(frozen=True)
class TransferRequest:
    merchant_transfer_no: str
    amount_fen: int
    account_number: str
    account_name: str
    bank_name: str
    remark: str = ""

    def __repr__(self) -> str:  # never the whole account number in a log line
        return f"TransferRequest({self.merchant_transfer_no}, {self.amount_fen} fen)"


@dataclass(frozen=True)
class TransferStatus:
    merchant_transfer_no: str
    state: TransferState
    amount_fen: int | None = None
    channel_reference: str | None = None
    reason: str | None = None
    accepted_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class StatementLine:
    merchant_transfer_no: str
    amount_fen: int
    state: TransferState
    channel_reference: str | None = None
    accepted_at: datetime | None = None


class Channel(Protocol):
    name: str

    @property
    def enabled(self) -> bool: ...

    async def send(self, request: TransferRequest) -> TransferStatus:
        """Submit once. Repeating a number the channel already holds returns that transfer."""
        ...

    async def query(self, merchant_transfer_no: str) -> TransferStatus:
        """The transfer's current state; `not_found` when the channel never received it."""
        ...

    async def statement(self, day: date) -> list[StatementLine]:
        """Every transfer the channel accepted on `day` (China time), with its state now."""
        ...

    async def aclose(self) -> None: ...


class NotEnabledChannel:
    """A channel whose adapter this build does not carry: every call refuses, saying so."""

    name = "not_enabled"
    not_enabled_message = "payment channel is not enabled"

    @property
    def enabled(self) -> bool:
        return False

    async def send(self, request: TransferRequest) -> TransferStatus:
        raise ChannelNotEnabled(self.not_enabled_message)

    async def query(self, merchant_transfer_no: str) -> TransferStatus:
        raise ChannelNotEnabled(self.not_enabled_message)

    async def statement(self, day: date) -> list[StatementLine]:
        raise ChannelNotEnabled(self.not_enabled_message)

    async def aclose(self) -> None:
        return None
