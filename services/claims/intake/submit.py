"""Submitting a claim: validate, quote and hold quota at the entitlement service, start the
working-day clock. The hold is placed with no transaction open (never await a peer inside one),
after a guard in the outbox that releases it should the submission never be recorded
(outbox/guards.py).

The bill may already be partly covered by another donor's claim or a direct reduction: the quote
is asked for the rest only (the invoice registry, invoices/), and a fully covered bill is refused
naming what covered it. The deadline (报销时限) is judged in deadline.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit import clock
from kit.crypto import BlindIndex, FieldCipher
from kit.identity import Caller
from kit.idnumbers import region_note
from kit.problems import Conflict, Problem, ServiceUnavailable, Unprocessable
from services.claims.audit import service as audit
from services.claims.calendar import service as calendar
from services.claims.clients.entitlement import EntitlementClient, HoldLapsed, HoldResult
from services.claims.clients.interop import InteropClient
from services.claims.intake import access, deadline, donors, repository, usage
from services.claims.intake.holds import hold_key, hold_request
from services.claims.intake.models import ACCOUNT, CERT, Claim
from services.claims.intake.service import check_amounts_and_dates, check_payee, missing_for
from services.claims.invoices import registry
from services.claims.outbox import guards
from services.claims.outbox.enqueue import enqueue, notify

SUBMITTABLE = ("draft",)
STEP_RELATIONS = ("step_parent", "step_child")


@dataclass
class SubmitDeps:
    sessionmaker: async_sessionmaker[AsyncSession]
    entitlement: EntitlementClient
    cipher: FieldCipher
    persons: BlindIndex  # kit.identity.person_index: how the invoice registry names donors
    working_days: int
    guard_grace_s: float = 120.0
    interop: InteropClient | None = None  # None: no partners, every claim is decided here


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


async def validate(session: AsyncSession, claim: Claim, deps: SubmitDeps) -> registry.Coverage:
    check_amounts_and_dates(claim.invoice_issued_on, claim.invoice_total_fen, claim.blood_fee_fen,
                            claim.used_on, claim.paid_on, clock.today(), claim.mutual_aid_fen)
    deadline.judged_on(claim.channel, claim.postmarked_on)  # a mailed claim needs its postmark date
    await _require_documents(session, claim)
    check_payee(claim.payee_account_name, donor_deceased=claim.donor_deceased, donor_names=donors.names(claim),
                relative=claim.payee_relative)
    return await _coverage(session, claim, deps)


async def _coverage(session: AsyncSession, claim: Claim, deps: SubmitDeps) -> registry.Coverage:
    """What other claims and reductions took of this bill; refused if nothing is left, or if a
    donor named here was drawn on for it already (a duplicate, not a second donor)."""
    found = await registry.coverage(session, claim.invoice_code, claim.invoice_number, exclude=("claim", claim.id))
    if found.fee_fully_reduced(claim.blood_fee_fen, claim.mutual_aid_fen):
        raise registry.InvoiceCovered(found)
    registry.refuse_repeat_donors(found, donors.registry_keys(claim, deps.cipher, deps.persons))
    return found


async def submit(claim_id: uuid.UUID, caller: Caller, deps: SubmitDeps) -> Claim:
    from services.claims.crossprovince.forward import forward_if_partner

    if (forwarded := await forward_if_partner(claim_id, caller, deps)) is not None:
        return forwarded
    for _ in range(2):  # a second round only when the first key's hold had lapsed (a fresh key)
        async with deps.sessionmaker() as session:
            claim = access.visible_claim(await repository.get(session, claim_id), caller)
            access.require_applicant_side(claim, caller)
            if claim.status == "needs_more_info":
                return await _resume(session, claim, caller, deps)
            if claim.status != "draft":
                return claim  # already submitted: a retried submit changes nothing
            before = await validate(session, claim, deps)
            request = hold_request(claim, deps.cipher, before)
            key = hold_key(claim)
            # The owner (this draft) and its guard exist before the hold does.
            await guards.guard(session, claim.id, "claim", key, deps.guard_grace_s)
            await session.commit()
        try:
            hold = await deps.entitlement.place_hold(key, request)
        except HoldLapsed:
            await _give_back(claim_id, key, deps, "the key's earlier hold had lapsed")
            continue
        except Problem as exc:
            if exc.status != 409:
                raise
            # This key was used for a request that saw the bill differently (another case took part
            # of it since): release that hold and let the next attempt quote afresh under a new key.
            await _give_back(claim_id, key, deps, "the bill changed since the key was used")
            raise _changed() from exc
        try:
            return await _record_submission(claim_id, caller, deps, hold, key, before)
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


def _warnings(claim: Claim, cipher: FieldCipher, quote: dict[str, Any], before: registry.Coverage) -> list[str]:
    """Notes for the reviewer: nothing here refuses a claim."""
    account = cipher.decrypt(claim.payee_account_encrypted, context=ACCOUNT)
    notes = [] if luhn_ok(account) else [
        "银行卡号未通过Luhn校验，请核对 (bank card fails the Luhn check: verify with the applicant)"]
    for who, cert_type, token in (("献血者", claim.donor_cert_type, claim.donor_cert_encrypted),
                                  ("用血者", claim.beneficiary_cert_type, claim.beneficiary_cert_encrypted)):
        if note := region_note(cert_type, cipher.decrypt(token, context=CERT)):
            notes.append(f"{who}{note}")
    relations = [claim.relationship, *(d["relationship"] for d in claim.additional_donors)]
    if any(r in STEP_RELATIONS for r in relations):
        notes.append("继父母子女须有抚养教育关系（民法典第一千零七十二条），请核对亲属关系证明或承诺书 "
                     "(step relations count only with a duty of support: check the kinship evidence)")
    if before.references:
        notes.append(f"同一发票已由 {'、'.join(before.references)} 减免 {before.reduced_fen / 100:.2f} 元，"
                     "本申请只计尚未减免的部分 (the bill is partly covered already; this claim takes the rest)")
    if (quote.get("claim_deadline") or {}).get("placeholder"):
        notes.append(f"本省报销时限为占位值（{quote['claim_deadline']['text']}），待核实 (placeholder deadline)")
    return notes


async def _record_submission(claim_id: uuid.UUID, caller: Caller, deps: SubmitDeps, hold: HoldResult,
                             key: str, before: registry.Coverage) -> Claim:
    async with deps.sessionmaker() as session, session.begin():
        claim = await repository.get(session, claim_id, for_update=True)
        assert claim is not None
        if claim.status != "draft":
            return claim
        if hold_key(claim) != key:
            # Our guard gave up on this hold while we waited for entitlement: it is being released.
            raise ServiceUnavailable("提交超时，请重试 (the submission took too long; retry)", retry_after_s=1)
        await registry.lock(session, claim.invoice_code, claim.invoice_number)
        now_covered = await _coverage(session, claim, deps)
        if now_covered != before:
            raise _changed()  # another case took part of this bill while this one was quoted
        quote = hold.quote
        if not hold.placed and before.references and quote.get("rest_ml_after", 1) == 0:
            raise registry.InvoiceCovered(before)
        due = await deadline.check(session, claim.id, claim.channel, claim.postmarked_on, quote)
        claim.warnings = _warnings(claim, deps.cipher, quote, before) + due.warnings
        claim.status, claim.submitted_on = "submitted", clock.today()
        usage.set_quote(claim, {**quote, "claim_last_day_on": due.last_day.isoformat() if due.last_day else None},
                        deps.cipher)
        claim.eligible_fen = quote["reducible_fen"] if hold.placed else 0
        claim.hold_key = key if hold.placed else None
        await registry.register(
            session, kind="claim", case_id=claim.id, reference=claim.reference, code=claim.invoice_code,
            number=claim.invoice_number, donors=donors.registry_keys(claim, deps.cipher, deps.persons),
            amounts=quoted_amounts(quote) if hold.placed else {})
        claim.due_on = await calendar.due_on(session, claim.id, claim.submitted_on, deps.working_days, [])
        await guards.confirm(session, key)
        audit.record(session, claim, caller, "submitted", from_status="draft", to_status="submitted",
                     detail={"eligible_fen": claim.eligible_fen, "due_on": str(claim.due_on)})
        notify(session, claim, "submitted")
    return claim


def _changed() -> Conflict:
    return Conflict("该发票的减免情况刚刚发生变化，请重新提交 (the invoice was just reduced by another case: "
                    "submit again)", field="invoice.number")


def quoted_amounts(quote: dict[str, Any]) -> dict[str, int]:
    return {"covered_ml": int(quote.get("covered_ml", 0)), "reduced_fen": int(quote.get("supply_cost_fen", 0)),
            "mutual_aid_fen": int(quote.get("mutual_aid_fen", 0))}


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
