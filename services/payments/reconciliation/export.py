"""CSV for finance: UTF-8 with a BOM so Excel opens the Chinese headers correctly; yuan shown
with two decimals beside the exact fen."""

from __future__ import annotations

from kit import csvexport
from services.payments.reconciliation.models import ReconciliationItem, ReconciliationRun

KIND_LABELS = {
    "matched": "一致", "missing_at_bank": "通道无此笔(平台有)", "missing_here": "平台无此笔(通道有)",
    "amount_mismatch": "金额不符", "status_mismatch": "状态不符",
}
HEADER = [
    "对账日期 date", "类型 kind", "说明 kind_label", "通道 channel", "商户流水号 merchant_transfer_no",
    "付款单 disbursement_id", "来源 source_ref", "第几次 attempt", "平台金额(元) platform_amount_yuan",
    "通道金额(元) bank_amount_yuan", "平台金额(分) platform_amount_fen", "通道金额(分) bank_amount_fen",
    "平台状态 platform_status", "通道状态 bank_status", "备注 detail",
]


def _yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def to_csv(run: ReconciliationRun, items: list[ReconciliationItem]) -> str:
    return csvexport.to_csv(HEADER, ((
        run.run_date.isoformat(), i.kind, KIND_LABELS[i.kind], i.channel, i.merchant_transfer_no,
        i.disbursement_id, i.source_ref, i.attempt, _yuan(i.platform_amount_fen), _yuan(i.bank_amount_fen),
        i.platform_amount_fen, i.bank_amount_fen, i.platform_status, i.bank_status, i.detail,
    ) for i in items))
