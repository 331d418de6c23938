"""Writing outbox rows; always in the transaction of the change that causes them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock, tracing
from services.claims.intake.models import Claim
from services.claims.outbox.models import OutboxMessage

# What the applicant is told at each state (subscription message / SMS).
MESSAGES = {
    "submitted": "您的血费报销申请{ref}已提交，预计{due}前完成审核。",
    "forwarded": "您的血费报销申请{ref}已转至献血地省份平台审核，审核结果将在此通知您。",
    "needs_more_info": "您的血费报销申请{ref}需要补充材料：{note}",
    "under_review": "您的血费报销申请{ref}已进入审核。",
    "awaiting_second_review": "您的血费报销申请{ref}已初审通过，正在复核。",
    "approved": "您的血费报销申请{ref}已审核通过，核定金额{amount}元，将在10个工作日内转账。",
    "rejected": "您的血费报销申请{ref}未通过审核：{note}",
    "withdrawn": "您的血费报销申请{ref}已撤回。",
    "payee_correction": "您的血费报销申请{ref}转账被退回，请更正收款账户。",
    "payment_failed": "您的血费报销申请{ref}转账未成功：{note}。请核对并更正收款账户。",
    "needs_attention": "您的血费报销申请{ref}在额度确认时遇到问题，已转复核人员处理，结果将另行通知。",
    "paid": "您的血费报销申请{ref}已转账{amount}元，请注意查收。",
}


def enqueue(session: AsyncSession, claim: Claim, kind: str, key: str, payload: dict[str, Any], *,
            lane: str = "peer") -> None:
    """`claim` is the aggregate (a claim, a notice or a statement: anything with an `id`)."""
    session.add(OutboxMessage(claim_id=claim.id, kind=kind, idempotency_key=key, payload=payload, lane=lane,
                              status="pending", attempts=0, traceparent=tracing.current_traceparent()))


async def enqueue_once(session: AsyncSession, aggregate_id: uuid.UUID, kind: str, key: str,
                       payload: dict[str, Any], *, lane: str = "peer") -> None:
    """Like `enqueue`, but a row with this key already written (by a repeated delivery) is kept."""
    await session.flush()  # rows added earlier in this transaction keep their place in the order
    await session.execute(insert(OutboxMessage).values(
        id=uuid.uuid4(), claim_id=aggregate_id, kind=kind, idempotency_key=key, payload=payload, lane=lane,
        status="pending", attempts=0, next_attempt_at=clock.now(), traceparent=tracing.current_traceparent(),
    ).on_conflict_do_nothing(index_elements=["idempotency_key"]))


def _yuan(fen: int | None) -> str:
    fen = fen or 0
    return f"{fen // 100}.{fen % 100:02d}"


def notify(session: AsyncSession, claim: Claim, status: str, *, note: str = "", seq: int = 0) -> None:
    if claim.channel == "interop":
        _tell_partner(session, claim, status)
    text = MESSAGES[status].format(ref=claim.reference, due=claim.due_on or "—", note=note or "请查看详情",
                                   amount=_yuan(claim.paid_fen if status == "paid" else claim.approved_fen))
    enqueue(session, claim, "notification", f"notify:{claim.id}:{status}:{seq}", {
        "recipient": claim.donor_phone_masked or claim.applicant_subject, "template": f"claim_{status}", "text": text,
    }, lane="notify")


def _tell_partner(session: AsyncSession, claim: Claim, status: str) -> None:
    """A partner's forwarded claim: the partner is told of every state change too (跨省转办),
    numbered so it can ignore an older state arriving after a newer one."""
    claim.partner_seq = (claim.partner_seq or 0) + 1
    enqueue(session, claim, "interop_status", f"interop-status:{claim.id}:{claim.partner_seq}", {
        "case": claim.applicant_subject, "claim_ref": claim.reference, "status": status, "seq": claim.partner_seq,
        "eligible_fen": claim.eligible_fen, "approved_fen": claim.approved_fen, "paid_fen": claim.paid_fen,
        "reason_code": claim.decision_reason_code, "note": claim.decision_note,
        "due_on": claim.due_on.isoformat() if claim.due_on else None,
    }, lane="partner")  # a partner that is down holds up neither payments nor the applicant's messages
