"""needs_attention (待复核处理): an approved claim whose quota entitlement would not consume (the
hold had lapsed or no longer matched). Nothing is paid; a senior reviewer of the province sees
the reason and either re-quotes the claim (a fresh hold; back to review for a new decision) or
rejects it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit.crypto import FieldCipher
from kit.identity import Caller
from kit.problems import Conflict, Forbidden, Unprocessable
from services.claims.audit import service as audit
from services.claims.clients.entitlement import EntitlementClient
from services.claims.intake import access, repository, usage
from services.claims.intake.holds import hold_key, hold_request
from services.claims.intake.models import Claim
from services.claims.intake.schemas import DecisionIn
from services.claims.intake.submit import quoted_amounts
from services.claims.invoices import registry as invoices
from services.claims.outbox import guards
from services.claims.outbox.enqueue import enqueue, notify
from services.claims.review.service import reject

SYSTEM = Caller(subject="claims-outbox", kind="system", roles=["system"], channel="internal")


class AttentionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"action": "requote", "reason_code": None, "note": "额度预留已失效，重新核定"}]})

    action: Literal["requote", "reject"] = Field(
        description="requote: hold the quota again and send the claim back to review; reject: end it")
    reason_code: str | None = Field(None, max_length=64, description="reject: the reason code")
    note: str = Field(min_length=2, max_length=2000)


def needs_attention(session: AsyncSession, claim: Claim, reason: str) -> None:
    """Called by the outbox when entitlement refused to consume the approved claim's hold."""
    if claim.status != "approved":
        return
    audit.record(session, claim, SYSTEM, "needs_attention", from_status="approved", to_status="needs_attention",
                 reason=f"额度确认失败，未付款 (quota not consumed, nothing paid): {reason}"[:2000])
    claim.status, claim.attention_reason = "needs_attention", reason
    notify(session, claim, "needs_attention", seq=claim.submit_attempts)


@dataclass
class AttentionDeps:
    sessionmaker: async_sessionmaker[AsyncSession]
    entitlement: EntitlementClient
    cipher: FieldCipher
    guard_grace_s: float


def _senior_of(claim: Claim, caller: Caller) -> None:
    access.require_reviewer_of(claim, caller)
    if not caller.has_any("senior_reviewer"):
        raise Forbidden("须由复核人员处理 (a senior_reviewer resolves a claim that needs attention)")


async def resolve(claim_id: uuid.UUID, body: AttentionIn, caller: Caller, deps: AttentionDeps) -> None:
    async with deps.sessionmaker() as session, session.begin():
        claim = access.visible_claim(await repository.get(session, claim_id, for_update=True), caller)
        _senior_of(claim, caller)
        if claim.status != "needs_attention":
            raise Conflict(f"申请状态为 {claim.status}，无需处理 (claim is {claim.status}, not needs_attention)")
        if body.action == "reject":
            if not body.reason_code:
                raise Unprocessable("驳回须选择原因 (a rejection needs reason_code)", field="reason_code")
            decision = DecisionIn(decision="reject", reason_code=body.reason_code, note=body.note)
            await reject(session, claim, decision, caller)
            return
        old_key = claim.hold_key
        claim.submit_attempts += 1  # a new hold key: entitlement never replays a lapsed hold as placed
        key = hold_key(claim)
        # The bill as the other cases on it left it: this claim's own share is quoted afresh.
        before = await invoices.coverage(session, claim.invoice_code, claim.invoice_number,
                                         exclude=("claim", claim.id))
        request = hold_request(claim, deps.cipher, before)
        await guards.guard(session, claim.id, "claim", key, deps.guard_grace_s)
        if old_key:
            enqueue(session, claim, "hold_release", f"release:{old_key}",
                    {"hold_key": old_key, "reason": "re-quoted by a senior reviewer"})
    hold = await deps.entitlement.place_hold(key, request)
    async with deps.sessionmaker() as session, session.begin():
        claim = await repository.get(session, claim_id, for_update=True)
        assert claim is not None
        if claim.status != "needs_attention" or hold_key(claim) != key:
            raise Conflict("申请已被其他人处理 (someone else resolved the claim meanwhile)")
        await invoices.lock(session, claim.invoice_code, claim.invoice_number)
        usage.set_quote(claim, {**usage.quote_of(claim, deps.cipher), **hold.quote}, deps.cipher)
        await invoices.settle_amounts(session, "claim", claim.id,
                                      quoted_amounts(hold.quote) if hold.placed else quoted_amounts({}))
        claim.eligible_fen = hold.quote["reducible_fen"] if hold.placed else 0
        claim.hold_key = key if hold.placed else None
        claim.approved_fen = claim.first_approved_by = claim.first_approved_fen = None
        claim.approved_on = claim.pay_due_on = None
        await guards.confirm(session, key)
        audit.record(session, claim, caller, "requoted", from_status="needs_attention", to_status="under_review",
                     reason=body.note, detail={"eligible_fen": claim.eligible_fen, "was": claim.attention_reason})
        claim.status, claim.attention_reason = "under_review", None
        notify(session, claim, "under_review", seq=1000 + claim.submit_attempts)
