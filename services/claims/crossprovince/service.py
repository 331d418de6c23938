"""Both sides of a forwarded claim, kept to small entry points for the interop service.

Donor side (we decide): a partner's claim becomes ours with channel `interop` and the partner's
case (`<partner>:<its claim reference>`) as applicant, so a second forward of the case finds
the first. The interop service opens the case (a draft, checked like any claim), attaches each
document the partner sent (one request each, within the upload body limit; a document already
attached is not attached again) and submits it like any claim. Every state change the applicant would be told
of is also pushed back to the partner (outbox `interop_status`), numbered by `partner_seq`.

Usage side (the partner decides): the claim is validated here, marked `forwarded` and handed to
the interop service through the outbox; the partner's states are mirrored (`partner_*`), an
older state never overwriting a newer one.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.crypto import BlindIndex
from kit.identity import Caller
from kit.problems import Conflict, NotFound, Problem, Unprocessable
from services.claims.audit import service as audit
from services.claims.crossprovince.schemas import CaseOpened, CaseState, InboundClaimIn, PartnerStatusIn
from services.claims.documents.kinds import DocumentKind
from services.claims.documents.processing import DocumentRejected, normalise, sniff
from services.claims.intake import repository, usage
from services.claims.intake import service as intake
from services.claims.intake.models import ACCOUNT, CERT, PHONE, Claim, ClaimDocument
from services.claims.intake.submit import SubmitDeps, submit
from services.claims.invoices import registry as invoices
from services.claims.outbox.enqueue import MESSAGES, notify

# The partner's states that we show as our own claim's status; before review it is `forwarded`.
MIRRORED = ("under_review", "needs_more_info", "awaiting_second_review", "approved", "payee_correction", "paid",
            "rejected", "withdrawn")


def partner_caller(partner: str, sender_ref: str, province: str | None = None) -> Caller:
    """The partner's case as the applicant: made here from the case key the interop service names
    (which it checked against the message signature), never taken from a caller token. `province`:
    the donation province, ours, that the case was addressed to."""
    return Caller(subject=f"{partner}:{sender_ref}", kind="partner", channel="interop", province=province)


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


def _kind(value: str, field: str) -> DocumentKind:
    try:
        return DocumentKind(value)
    except ValueError:
        raise Unprocessable(f"未知的材料类型 {value!r} (unknown kind)", field=field) from None


async def _attached(session: AsyncSession, claim: Claim) -> set[str]:
    return {d.source_sha256 for d in await repository.documents(session, claim.id) if d.source_sha256}


async def open_case(body: InboundClaimIn, deps: SubmitDeps, persons: BlindIndex) -> tuple[CaseOpened, bool]:
    """(the case and the documents it still awaits, created). The claim is checked and created as a
    draft once per case; a refusal stores nothing."""
    caller = partner_caller(body.partner, body.sender_claim_ref, body.claim.province)
    for i, document in enumerate(body.documents):
        _kind(document.kind, f"documents[{i}].kind")
    created = False
    async with deps.sessionmaker() as session, session.begin():
        claim = await case_claim(session, body.partner, body.sender_claim_ref, for_update=True)
        if claim is None:
            claim = await intake.create(session, body.claim, channel="interop", caller=caller, cipher=deps.cipher,
                                        persons=persons)
            created = True
        awaiting: list[str] = []
        if claim.status == "draft":
            attached = await _attached(session, claim)
            awaiting = [d.sha256 for d in body.documents if d.sha256 not in attached]
        return CaseOpened(**state(claim).model_dump(), awaiting_documents=awaiting), created


async def attach(partner: str, sender_ref: str, sha256: str, kind: str, content: bytes, deps: SubmitDeps,
                 documents_store: Any) -> bool:
    """One of the case's documents, checked and re-encoded like any upload and stored encrypted;
    False when it was attached before."""
    kind_ = _kind(kind, "kind")
    if hashlib.sha256(content).hexdigest() != sha256:
        raise Unprocessable("材料内容与 SHA-256 不符 (the body does not match the sha256)", field="sha256")
    async with deps.sessionmaker() as session:
        claim = await case_claim(session, partner, sender_ref)
        if claim is None:
            raise NotFound(f"没有合作平台 {partner} 的申请 {sender_ref} (no such case)")
        if sha256 in await _attached(session, claim):
            return False
    try:  # seconds for a big photo: no transaction open meanwhile
        processed = await asyncio.to_thread(normalise, content, sniff(content))
    except DocumentRejected as exc:
        slug = {413: "too-large", 415: "unsupported-media-type"}.get(exc.status, "document-rejected")
        raise Problem(exc.detail, status=exc.status, slug=slug, title="Document refused", field="content") from exc
    address = await documents_store.put(processed.data)
    async with deps.sessionmaker() as session, session.begin():
        claim = await case_claim(session, partner, sender_ref, for_update=True)
        assert claim is not None
        if sha256 in await _attached(session, claim):
            return False
        if claim.status != "draft":
            raise Conflict(f"申请状态为 {claim.status}，不能再添加材料 (documents are closed in this state)")
        caller = partner_caller(partner, sender_ref, claim.province)
        session.add(ClaimDocument(claim_id=claim.id, kind=kind_.value, address=address,
                                  media_type=processed.media_type, size_bytes=len(processed.data),
                                  uploaded_by=f"partner:{caller.subject}", source_sha256=sha256))
        audit.record(session, claim, caller, "document_added", reason=kind_.value, detail={"sha256": sha256})
    return True


async def submit_case(partner: str, sender_ref: str, deps: SubmitDeps) -> CaseState:
    """A draft case is submitted like any claim (the refusal's problem propagates, nothing else
    changes, and the next forward of the case tries again); otherwise its state as it is."""
    async with deps.sessionmaker() as session:
        claim = await case_claim(session, partner, sender_ref)
        if claim is None:
            raise NotFound(f"没有合作平台 {partner} 的申请 {sender_ref} (no such case)")
        claim_id, status = claim.id, claim.status
    if status == "draft":
        await submit(claim_id, partner_caller(partner, sender_ref, claim.province), deps)
    async with deps.sessionmaker() as session:
        current = await repository.get(session, claim_id)
        assert current is not None
        return state(current)


async def cancel(session: AsyncSession, claim: Claim, reason: str) -> None:
    from services.claims.review.service import withdraw

    caller = partner_caller(*claim.applicant_subject.split(":", 1), claim.province)
    if claim.status == "withdrawn":
        return
    await withdraw(session, claim, caller, f"合作平台撤回：{reason}")


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
    if after in ("rejected", "withdrawn"):
        await invoices.void(session, "claim", claim.id)  # the partner did not reduce the bill: free again
    elif after in ("approved", "paid") and claim.approved_fen is not None:
        await invoices.settle_amounts(session, "claim", claim.id,
                                      {"covered_ml": 0, "reduced_fen": claim.approved_fen, "mutual_aid_fen": 0})
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
    used = usage.usage_of(claim, cipher)
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
        "use": {"hospital_name": used["hospital_name"], "usage_province": claim.usage_province,
                "used_on": claim.used_on.isoformat(), "items": used["items"], "blood_fee_fen": claim.blood_fee_fen},
        "paid_on": claim.paid_on.isoformat(),
        "invoice": {"code": claim.invoice_code, "number": claim.invoice_number, "check_code": claim.invoice_check_code,
                    "issued_on": claim.invoice_issued_on.isoformat(), "total_fen": claim.invoice_total_fen,
                    "blood_fee_fen": claim.blood_fee_fen},
        "payee": {"account_name": claim.payee_account_name,
                  "account_number": plain(claim.payee_account_encrypted, ACCOUNT), "bank_name": claim.payee_bank_name},
        "documents": [{"id": str(d.id), "kind": d.kind, "media_type": d.media_type} for d in documents],
    }
