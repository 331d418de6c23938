"""Submitting a claim: validate, quote and hold quota at the entitlement service, start the
working-day clock. The hold is placed with no transaction open (never await a peer inside one),
after a guard in the outbox that releases it should the submission never be recorded
(outbox/guards.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit import clock
from kit.crypto import BlindIndex, FieldCipher
from kit.identity import Caller
from kit.problems import Conflict, Problem, ServiceUnavailable, Unprocessable
from services.claims.audit import service as audit
from services.claims.calendar import service as calendar
from services.claims.clients.entitlement import EntitlementClient, HoldLapsed, HoldResult
from services.claims.intake import access, repository, usage
from services.claims.intake.holds import hold_key, hold_request
from services.claims.intake.models import ACCOUNT, Claim
from services.claims.intake.service import check_amounts_and_dates, check_payee, missing_for
from services.claims.outbox import guards
from services.claims.outbox.enqueue import enqueue, notify
from services.claims.reductions import service as reductions

SUBMITTABLE = ("draft",)


@dataclass
class SubmitDeps:
    sessionmaker: async_sessionmaker[AsyncSession]
    entitlement: EntitlementClient
    cipher: FieldCipher
    index: BlindIndex
    working_days: int
    guard_grace_s: float = 120.0


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


async def _validate(session: AsyncSession, claim: Claim) -> None:
    check_amounts_and_dates(claim.invoice_issued_on, claim.invoice_total_fen, claim.blood_fee_fen,
                            claim.used_on, claim.paid_on, clock.today())
    await _require_documents(session, claim)
    check_payee(claim.payee_account_name, donor_deceased=claim.donor_deceased, donor_name=claim.donor_name,
                relative=claim.payee_relative)
    await _refuse_duplicate(session, claim)


async def _refuse_duplicate(session: AsyncSession, claim: Claim) -> None:
    """One blood use is reduced once: no other live claim, no settled direct reduction."""
    earlier = await repository.open_claim_with_invoice(session, claim.invoice_code, claim.invoice_number, claim.id)
    reference = earlier.reference if earlier is not None else await reductions.settled_reduction_with_invoice(
        session, claim.invoice_code, claim.invoice_number)
    if reference is not None:
        raise Conflict(
            f"该发票已申请过减免：{reference} (this invoice was already reduced or claimed in {reference})",
            field="invoice.number", earlier_reference=reference,
        )


async def submit(claim_id: uuid.UUID, caller: Caller, deps: SubmitDeps) -> Claim:
    for _ in range(2):  # a second round only when the first key's hold had lapsed (a fresh key)
        async with deps.sessionmaker() as session:
            claim = access.visible_claim(await repository.get(session, claim_id), caller)
            access.require_applicant_side(claim, caller)
            if claim.status == "needs_more_info":
                return await _resume(session, claim, caller, deps)
            if claim.status != "draft":
                return claim  # already submitted: a retried submit changes nothing
            await _validate(session, claim)
            request = hold_request(claim, deps.cipher)
            key = hold_key(claim)
            # The owner (this draft) and its guard exist before the hold does.
            await guards.guard(session, claim.id, "claim", key, deps.guard_grace_s)
            await session.commit()
        try:
            hold = await deps.entitlement.place_hold(key, request)
        except HoldLapsed:
            await _give_back(claim_id, key, deps, "the key's earlier hold had lapsed")
            continue
        try:
            return await _record_submission(claim_id, caller, deps, hold, key)
        except Problem:
            if hold.placed:
                await _give_back(claim_id, key, deps, "submit refused")
            raise
    raise ServiceUnavailable("额度预留未完成，请稍后重试 (the quota hold could not be placed; retry)")


async def _give_back(claim_id: uuid.UUID, key: str, deps: SubmitDeps, reason: str) -> None:
    """The submit was refused after the hold was placed: release it (via the outbox) and let the
    next attempt use a fresh key, since the entitlement service replays a used key as it was."""
    async with deps.sessionmaker() as session, session.begin():
        claim = await repository.get(session, claim_id, for_update=True)
        assert claim is not None
        if claim.status == "draft" and hold_key(claim) == key:
            claim.submit_attempts += 1
        await guards.confirm(session, key)  # the release below takes over from the guard
        enqueue(session, claim, "hold_release", f"release:{key}", {"hold_key": key, "reason": reason})


async def _record_submission(claim_id: uuid.UUID, caller: Caller, deps: SubmitDeps, hold: HoldResult,
                             key: str) -> Claim:
    async with deps.sessionmaker() as session, session.begin():
        claim = await repository.get(session, claim_id, for_update=True)
        assert claim is not None
        if claim.status != "draft":
            return claim
        if hold_key(claim) != key:
            # Our guard gave up on this hold while we waited for entitlement: it is being released.
            raise ServiceUnavailable("提交超时，请重试 (the submission took too long; retry)", retry_after_s=1)
        await repository.lock_invoice(session, claim.invoice_code, claim.invoice_number)
        await _refuse_duplicate(session, claim)
        quote = hold.quote
        deadline = quote.get("claim_deadline_on")
        if deadline and clock.today() >= date.fromisoformat(deadline):
            raise Unprocessable(f"已超过报销期限（须在 {deadline} 之前申请）(claim deadline passed)",
                                field="usage.paid_on")
        account = deps.cipher.decrypt(claim.payee_account_encrypted, context=ACCOUNT)
        claim.warnings = [] if luhn_ok(account) else [
            "银行卡号未通过Luhn校验，请核对 (bank card fails the Luhn check: verify with the applicant)"]
        claim.status, claim.submitted_on = "submitted", clock.today()
        usage.set_quote(claim, quote, deps.cipher)
        claim.eligible_fen = quote["reducible_fen"] if hold.placed else 0
        claim.hold_key = key if hold.placed else None
        claim.due_on = await calendar.due_on(session, claim.id, claim.submitted_on, deps.working_days, [])
        await guards.confirm(session, key)
        audit.record(session, claim, caller, "submitted", from_status="draft", to_status="submitted",
                     detail={"eligible_fen": claim.eligible_fen, "due_on": str(claim.due_on)})
        notify(session, claim, "submitted")
    return claim


async def _resume(session: AsyncSession, claim: Claim, caller: Caller, deps: SubmitDeps) -> Claim:
    """Materials supplemented: back to review; the days spent waiting do not count."""
    await session.refresh(claim, with_for_update=True)
    if claim.status == "needs_more_info":
        await _require_documents(session, claim)
        paused = [*claim.paused_days, [(claim.info_requested_at or clock.today()).isoformat(), clock.today().isoformat()]]
        claim.paused_days, claim.info_requested_at = paused, None
        claim.status = "under_review"
        assert claim.submitted_on is not None
        claim.due_on = await calendar.due_on(session, claim.id, claim.submitted_on, deps.working_days,
                                             calendar.paused_intervals(paused))
        audit.record(session, claim, caller, "resubmitted", from_status="needs_more_info", to_status="under_review")
        notify(session, claim, "under_review", seq=len(paused))
        await session.commit()
    return claim


async def _require_documents(session: AsyncSession, claim: Claim) -> None:
    missing = missing_for(claim, await repository.documents(session, claim.id))
    if missing:
        raise Unprocessable(f"缺少材料 (missing documents): {', '.join(missing)}", field="documents",
                            missing_documents=missing)
