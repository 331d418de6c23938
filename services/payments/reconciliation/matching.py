"""Pure matching of one day's platform transfers against a channel's statement lines."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from services.payments.channels.base import StatementLine

# Platform attempt status -> the bank states that agree with it (the platform may lag the bank:
# a transfer it still thinks is processing may already be settled or returned there).
AGREES: dict[str, frozenset[str]] = {
    "new": frozenset({"processing", "succeeded", "returned"}),  # outcome unknown here; the worker asks
    "processing": frozenset({"processing", "succeeded", "returned"}),
    "succeeded": frozenset({"succeeded"}),
    "returned": frozenset({"returned"}),
    "failed": frozenset(),
}
STATUS_WORDS = {"processing": "处理中", "succeeded": "成功", "returned": "退回", "failed": "失败", "new": "结果未知"}


@dataclass(frozen=True)
class PlatformTransfer:
    merchant_transfer_no: str
    amount_fen: int
    status: str
    disbursement_id: uuid.UUID
    source_ref: str
    attempt: int


@dataclass(frozen=True)
class Finding:
    kind: str
    merchant_transfer_no: str
    detail: str
    platform: PlatformTransfer | None = None
    bank: StatementLine | None = None


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def match(day_transfers: Iterable[PlatformTransfer], statement: Iterable[StatementLine],
          known: Mapping[str, PlatformTransfer]) -> list[Finding]:
    """`day_transfers`: what the platform sent that day; `known`: any platform transfer by number
    (a statement line may belong to a transfer the platform dated otherwise)."""
    findings: list[Finding] = []
    seen: set[str] = set()
    for line in statement:
        no = line.merchant_transfer_no
        ours = known.get(no)
        if no in seen:
            findings.append(Finding("missing_here", no, bank=line, platform=ours,
                                    detail="同一流水号在对账单上出现多次 (listed more than once by the channel)"))
            continue
        seen.add(no)
        if ours is None:
            findings.append(Finding("missing_here", no, bank=line,
                                    detail="平台无此笔转账 (the channel has a transfer the platform never made)"))
        elif ours.amount_fen != line.amount_fen:
            findings.append(Finding("amount_mismatch", no, platform=ours, bank=line,
                                    detail=f"金额不符: 平台 {_yuan(ours.amount_fen)} 元, "
                                           f"通道 {_yuan(line.amount_fen)} 元"))
        elif line.state not in AGREES.get(ours.status, frozenset()):
            findings.append(Finding("status_mismatch", no, platform=ours, bank=line,
                                    detail=f"状态不符: 平台 {STATUS_WORDS.get(ours.status, ours.status)}, "
                                           f"通道 {STATUS_WORDS.get(line.state, line.state)}"))
        else:
            findings.append(Finding("matched", no, platform=ours, bank=line, detail="一致"))
    for ours in day_transfers:
        if ours.merchant_transfer_no in seen:
            continue
        seen.add(ours.merchant_transfer_no)
        detail = ("已发送但尚无应答，通道对账单无此笔 (sent without an answer yet; the channel does not list it)"
                  if ours.status == "new" else
                  "通道对账单无此笔 (the channel accepted it, says the platform; its statement does not list it)")
        findings.append(Finding("missing_at_bank", ours.merchant_transfer_no, platform=ours, detail=detail))
    return findings
