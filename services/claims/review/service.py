"""Decisions. Approval commits the quota hold through the outbox written in the approval's own
transaction; only once entitlement has confirmed the consumption does the outbox ask payments
to pay (no payout without consumed quota). A peer that is down delays them, nothing is lost; a
commit entitlement refuses sends the claim to a senior reviewer (review/attention.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.crypto import FieldCipher
from kit.identity import Caller
from kit.problems import Conflict, Forbidden, Unprocessable
from services.claims.audit import service as audit
from services.claims.calendar import service as calendar
from services.claims.intake import access, usage
from services.claims.intake.models import Claim
from services.claims.intake.schemas import DecisionIn
from services.claims.invoices import registry as invoices
from services.claims.outbox import guards
from services.claims.outbox.enqueue import enqueue, notify
from services.claims.quota import consumed_ml
from services.claims.review.funding import funding_for_quote

REVIEWABLE = ("submitted", "under_review")


@dataclass(frozen=True)
class ReviewPolicy:
    # Approvals above this go to a second reviewer (大额报销要做好复核).
    second_review_threshold_fen: int = 500_000
    # "审核通过后10个工作日内支付": the pay-by day that the ops alarm list watches.
    payment_working_days: int = 10


def _move(session: AsyncSession, claim: Claim, caller: Caller, to: str, action: str, *,
          reason: str | None = None, detail: dict[str, Any] | None = None) -> None:
    audit.record(session, claim, caller, action, from_status=claim.status, to_status=to, reason=reason, detail=detail)
    claim.status = to


def _decided_here(claim: Claim) -> None:
    if claim.forwarded_to is not None:
        raise Conflict(f"该申请由合作平台 {claim.forwarded_to} 审核 (decided by the partner province)")


def start_review(session: AsyncSession, claim: Claim, caller: Caller) -> None:
    _decided_here(claim)
    access.require_reviewer_of(claim, caller)
    if claim.status == "submitted":
        _move(session, claim, caller, "under_review", "review_started")
        notify(session, claim, "under_review")


async def decide(session: AsyncSession, claim: Claim, body: DecisionIn, caller: Caller, policy: ReviewPolicy,
                 cipher: FieldCipher) -> None:
    _decided_here(claim)
    access.require_reviewer_of(claim, caller)
    if claim.registered_by == caller.subject:
        raise Forbidden("不能审核自己登记的申请 (nobody approves their own registration)")
    if claim.status == "awaiting_second_review":
        return await _second_review(session, claim, body, caller, policy, cipher)
    if claim.status not in REVIEWABLE:
        raise Conflict(f"申请状态为 {claim.status}，不能审核 (claim is {claim.status}; nothing to decide)")
    if claim.status == "submitted":
        start_review(session, claim, caller)
    if body.decision == "reject":
        return await reject(session, claim, body, caller)
    if body.decision == "request_info":
        if not body.note.strip():
            raise Unprocessable("请说明需要补充的材料 (say what is missing)", field="note")
        claim.info_requested_at = clock.today()
        claim.decision_note = body.note
        _move(session, claim, caller, "needs_more_info", "info_requested", reason=body.note)
        notify(session, claim, "needs_more_info", note=body.note, seq=len(claim.paused_days))
        return None
    approved = _approved_amount(claim, body)
    if approved > policy.second_review_threshold_fen:
        claim.first_approved_by, claim.first_approved_fen = caller.subject, approved
        claim.decision_reason_code, claim.decision_note = body.reason_code, body.note or None
        _move(session, claim, caller, "awaiting_second_review", "first_approval", reason=body.note or None,
              detail={"approved_fen": approved})
        notify(session, claim, "awaiting_second_review", seq=claim.submit_attempts)
        return None
    return await _approve(session, claim, approved, body, caller, policy, cipher)


def _approved_amount(claim: Claim, body: DecisionIn) -> int:
    eligible = claim.eligible_fen or 0
    approved = eligible if body.approved_fen is None else body.approved_fen
    if approved > eligible:
        raise Unprocessable(f"核定金额不能超过可减免金额 {eligible} 分 (approved_fen above eligible_fen)",
                            field="approved_fen")
    if approved == 0:
        raise Unprocessable("核定金额为0，请驳回 (nothing to pay: reject instead)", field="approved_fen")
    if approved < eligible and not (body.reason_code and body.note.strip()):
        raise Unprocessable("降低金额须写明原因 (a lower amount needs reason_code and note)", field="reason_code")
    return approved


async def reject(session: AsyncSession, claim: Claim, body: DecisionIn, caller: Caller) -> None:
    if not body.reason_code:
        raise Unprocessable("驳回须选择原因 (a rejection needs reason_code)", field="reason_code")
    claim.decision_reason_code, claim.decision_note = body.reason_code, body.note or None
    _move(session, claim, caller, "rejected", "rejected", reason=f"{body.reason_code}: {body.note}")
    if claim.hold_key:
        enqueue(session, claim, "hold_release", f"release:{claim.hold_key}",
                {"hold_key": claim.hold_key, "reason": f"claim rejected: {body.reason_code}"})
    await invoices.void(session, "claim", claim.id)  # its share of the bill is free for another donor
    notify(session, claim, "rejected", note=body.note or body.reason_code)


async def _second_review(session: AsyncSession, claim: Claim, body: DecisionIn, caller: Caller,
                         policy: ReviewPolicy, cipher: FieldCipher) -> None:
    if not caller.has_any("senior_reviewer"):
        raise Forbidden("大额报销须由复核人员复核 (a senior_reviewer must confirm this approval)")
    if caller.subject == claim.first_approved_by:
        raise Forbidden("复核人不能是初审人 (the second reviewer cannot be the first)")
    if body.decision == "reject":
        return await reject(session, claim, body, caller)
    if body.decision == "request_info":
        raise Conflict("复核阶段只能通过或驳回 (second review: approve or reject)")
    approved = claim.first_approved_fen or 0
    if body.approved_fen is not None:
        if body.approved_fen > approved:
            raise Unprocessable("复核不能提高初审金额 (cannot raise the first approval)", field="approved_fen")
        approved = body.approved_fen
    return await _approve(session, claim, approved, body, caller, policy, cipher)


async def _approve(session: AsyncSession, claim: Claim, approved: int, body: DecisionIn, caller: Caller,
                   policy: ReviewPolicy, cipher: FieldCipher) -> None:
    if not claim.hold_key:
        raise Conflict("该申请没有额度预留，不能核准 (no quota is held for this claim: nothing can be paid)")
    claim.approved_fen = approved
    if claim.decision_reason_code is None:
        claim.decision_reason_code = body.reason_code
    claim.decision_note = body.note or claim.decision_note
    claim.approved_on = clock.today()
    claim.pay_due_on = await calendar.due_on(session, claim.id, claim.approved_on, policy.payment_working_days, [])
    _move(session, claim, caller, "approved", "approved", reason=body.note or None, detail={"approved_fen": approved})
    quote = usage.quote_of(claim, cipher)
    ml = consumed_ml(int(quote.get("covered_ml", 0)), approved, claim.eligible_fen or 0)
    # A lowered approval leaves the rest of the bill uncovered (for another donor's claim).
    aid = min(int(quote.get("mutual_aid_fen", 0)), approved)
    await invoices.settle_amounts(session, "claim", claim.id,
                                  {"covered_ml": ml, "reduced_fen": approved - aid, "mutual_aid_fen": aid})
    payment = {
        "source_ref": f"claim:{claim.id}", "province": claim.province, "amount_fen": approved,
        "payee": {"account_name": claim.payee_account_name, "bank_name": claim.payee_bank_name,
                  "account_number_encrypted": claim.payee_account_encrypted},
        "funding": funding_for_quote(approved, quote),
    }
    # The payment rides on the commit: it is written only once entitlement confirms the consumption
    # (of every donor's part of the hold: they commit together).
    enqueue(session, claim, "hold_commit", f"commit:{claim.hold_key}", {
        "hold_key": claim.hold_key, "ml": ml, "reason": f"claim {claim.reference} approved", "owner": "claim",
        "then": [{"kind": "payment_request", "key": f"claim:{claim.id}", "payload": payment}],
    })
    notify(session, claim, "approved", seq=claim.submit_attempts)  # again after a re-quote


async def withdraw(session: AsyncSession, claim: Claim, caller: Caller, reason: str) -> None:
    if claim.status == "forwarded":
        # The partner decides: it is asked to cancel, and its answer (withdrawn, or under review
        # already) comes back as the partner's status.
        audit.record(session, claim, caller, "cancel_requested", reason=reason)
        enqueue(session, claim, "interop_cancel", f"cancel:{claim.id}", {
            "claim_id": str(claim.id), "partner": claim.forwarded_to, "reference": claim.reference,
            "province": claim.province, "reason": reason}, lane="partner")
        return
    if claim.status not in ("draft", "submitted"):
        raise Conflict("审核开始后不能撤回 (a claim can be withdrawn only before review starts)")
    was = claim.status
    _move(session, claim, caller, "withdrawn", "withdrawn", reason=reason)
    if was == "submitted" and claim.hold_key:
        enqueue(session, claim, "hold_release", f"release:{claim.hold_key}",
                {"hold_key": claim.hold_key, "reason": "claim withdrawn by the applicant"})
    # A draft whose submit placed a hold and never recorded it: its guard releases that hold now.
    await guards.fire_now(session, claim.id)
    await invoices.void(session, "claim", claim.id)
    notify(session, claim, "withdrawn")
