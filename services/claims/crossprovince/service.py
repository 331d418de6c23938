"""Both sides of a forwarded claim, kept to small entry points for the interop service.

Donor side (we decide): a partner's claim becomes ours with channel `interop` and the partner's
case (`<partner>:<its claim reference>`) as applicant, so a second forward of the case finds
the first; it is then submitted like any claim. Every state change the applicant would be told
of is also pushed back to the partner (outbox `interop_status`), numbered by `partner_seq`.

Usage side (the partner decides): the claim is validated here, marked `forwarded` and handed to
the interop service through the outbox; the partner's states are mirrored (`partner_*`), an
older state never overwriting a newer one.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.identity import Caller
from kit.problems import Conflict, NotFound, Unprocessable
from services.claims.audit import service as audit
from services.claims.crossprovince.schemas import CaseState, InboundClaimIn, PartnerStatusIn
from services.claims.documents.kinds import DocumentKind
from services.claims.documents.processing import DocumentRejected, normalise, sniff
from services.claims.intake import repository
from services.claims.intake import service as intake
from services.claims.intake.models import ACCOUNT, CERT, PHONE, Claim, ClaimDocument
from services.claims.intake.submit import SubmitDeps, submit
from services.claims.outbox.enqueue import MESSAGES, notify

# The partner's states that we show as our own claim's status; before review it is `forwarded`.
MIRRORED = ("under_review", "needs_more_info", "awaiting_second_review", "approved", "payee_correction", "paid",
            "rejected", "withdrawn")


def partner_caller(partner: str, sender_ref: str) -> Caller:
    return Caller(subject=f"{partner}:{sender_ref}", kind="partner", channel="interop")


async def case_claim(session: AsyncSession, partner: str, sender_ref: str, *, for_update: bool = False) -> Claim | None:
    stmt = select(Claim).where(Claim.channel == "interop", Claim.applicant_subject == f"{partner}:{sender_ref}")
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def state(claim: Claim) -> CaseState:
    return CaseState(
        sender_claim_ref=claim.applicant_subject.split(":", 1)[1], claim_ref=claim.reference,
        status="received" if claim.status == "draft" else claim.status, seq=claim.partner_seq,
        eligible_fen=claim.eligible_fen, approved_fen=claim.approved_fen, paid_fen=claim.paid_fen,
        reason_code=claim.decision_reason_code, note=claim.decision_note, due_on=claim.due_on, at=clock.now())


async def _documents(body: InboundClaimIn) -> list[tuple[DocumentKind, Any]]:
    out = []
    for i, document in enumerate(body.documents):
        field = f"documents[{i}]"
        try:
            kind = DocumentKind(document.kind)
        except ValueError:
            raise Unprocessable(f"未知的材料类型 {document.kind!r} (unknown kind)", field=f"{field}.kind") from None
        try:
            raw = base64.b64decode(document.content_b64, validate=True)
            out.append((kind, await asyncio.to_thread(normalise, raw, sniff(raw))))
        except (binascii.Error, ValueError):
            raise Unprocessable("材料不是有效的 base64 (not base64)", field=f"{field}.content_b64") from None
        except DocumentRejected as exc:
            raise Unprocessable(exc.detail, field=f"{field}.content_b64") from None
    return out


async def receive(body: InboundClaimIn, deps: SubmitDeps, documents_store: Any) -> tuple[CaseState, bool]:
    """(state, created). The case's claim is created once; a draft left by a refused submit is
    submitted again (the refusal's problem propagates: nothing else changes)."""
    caller = partner_caller(body.partner, body.sender_claim_ref)
    created = False
    async with deps.sessionmaker() as session, session.begin():
        claim = await case_claim(session, body.partner, body.sender_claim_ref, for_update=True)
        if claim is None:
            documents = await _documents(body)
            claim = await intake.create(session, body.claim, channel="interop", caller=caller, cipher=deps.cipher,
                                        index=deps.index)
            for kind, processed in documents:
                address = await documents_store.put(processed.data)
                session.add(ClaimDocument(claim_id=claim.id, kind=kind.value, address=address,
                                          media_type=processed.media_type, size_bytes=len(processed.data),
                                          uploaded_by=f"partner:{caller.subject}"))
                audit.record(session, claim, caller, "document_added", reason=kind.value)
            created = True
        claim_id, status = claim.id, claim.status
    if status == "draft":
        await submit(claim_id, caller, deps)
    async with deps.sessionmaker() as session:
        current = await repository.get(session, claim_id)
        assert current is not None
        return state(current), created


async def cancel(session: AsyncSession, claim: Claim, reason: str) -> None:
    from services.claims.review.service import withdraw

    caller = partner_caller(*claim.applicant_subject.split(":", 1))
    if claim.status == "withdrawn":
        return
    withdraw(session, claim, caller, f"合作平台撤回：{reason}")


async def mirror(session: AsyncSession, reference: str, body: PartnerStatusIn) -> Claim:
    stmt = select(Claim).where(Claim.reference == reference).with_for_update()
    claim = (await session.execute(stmt)).scalar_one_or_none()
    if claim is None or claim.forwarded_to != body.partner:
        raise NotFound("没有转至该合作平台的申请 (no claim forwarded to this partner)")
    if body.seq <= claim.partner_seq and claim.partner_status is not None:
        return claim  # an older or repeated state: the newer one stands
    caller = Caller(subject=body.partner, kind="partner", channel="interop")
    before = claim.status
    claim.partner_seq, claim.partner_status = body.seq, body.status
    claim.partner_reference = body.claim_ref or claim.partner_reference
    claim.eligible_fen, claim.approved_fen, claim.paid_fen = body.eligible_fen, body.approved_fen, body.paid_fen
    claim.decision_reason_code, claim.decision_note = body.reason_code, body.note
    after = body.status if body.status in MIRRORED else "forwarded"
    audit.record(session, claim, caller, "partner_status", from_status=before, to_status=after,
                 reason=body.note, detail={"partner_status": body.status, "seq": body.seq,
                                           "partner_reference": claim.partner_reference})
    claim.status = after
    if after != before and after in MESSAGES:
        notify(session, claim, after, note=body.note or "", seq=body.seq)
    return claim


def export(session: AsyncSession, claim: Claim, documents: list[ClaimDocument], cipher: Any,
           caller: Caller) -> dict[str, Any]:
    """The whole claim (unmasked: the deciding province needs the ID numbers and the card), for
    the interop service to forward; audited like any unmasked view."""
    if claim.forwarded_to is None:
        raise Conflict("这个申请不转至合作平台 (this claim is not forwarded)")

    def plain(token: str | None, context: str) -> str | None:
        return cipher.decrypt(token, context=context) if token else None

    audit.record(session, claim, caller, "exported_for_forwarding", reason=f"转至 {claim.forwarded_to}")
    return {
        "claim_id": str(claim.id), "sender_claim_ref": claim.reference, "province": claim.province,
        "partner": claim.forwarded_to, "channel": claim.channel,
        "donor": {"cert_type": claim.donor_cert_type, "cert_number": plain(claim.donor_cert_encrypted, CERT),
                  "name": claim.donor_name},
        "donor_phone": plain(claim.donor_phone_encrypted, PHONE),
        "beneficiary": {"cert_type": claim.beneficiary_cert_type,
                        "cert_number": plain(claim.beneficiary_cert_encrypted, CERT), "name": claim.beneficiary_name},
        "relationship": claim.relationship, "kinship_evidence": claim.kinship_evidence,
        "donor_deceased": claim.donor_deceased,
        "use": {"hospital_name": claim.hospital_name, "usage_province": claim.usage_province,
                "used_on": claim.used_on.isoformat(), "items": claim.items, "blood_fee_fen": claim.blood_fee_fen},
        "paid_on": claim.paid_on.isoformat(),
        "invoice": {"code": claim.invoice_code, "number": claim.invoice_number, "check_code": claim.invoice_check_code,
                    "issued_on": claim.invoice_issued_on.isoformat(), "total_fen": claim.invoice_total_fen,
                    "blood_fee_fen": claim.blood_fee_fen},
        "payee": {"account_name": claim.payee_account_name,
                  "account_number": plain(claim.payee_account_encrypted, ACCOUNT), "bank_name": claim.payee_bank_name},
        "documents": [{"id": str(d.id), "kind": d.kind, "media_type": d.media_type} for d in documents],
    }
