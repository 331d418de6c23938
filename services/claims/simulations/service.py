"""Gather a period's real claims and reduction notices of one province and ask the entitlement
service to judge them under a draft rule-set version. Reads only; nothing here writes."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.crypto import FieldCipher
from kit.problems import Unprocessable
from services.claims.clients.entitlement import EntitlementClient
from services.claims.intake import usage as claim_usage
from services.claims.intake.models import CERT, Claim
from services.claims.intake.repository import OPEN_STATUSES
from services.claims.invoices import registry
from services.claims.reductions import usage as notice_usage
from services.claims.reductions.models import ReductionNotice
from services.claims.simulations.schemas import SimulationIn, SimulationOut

# Notices that reduce (or may still reduce) a bill; cancelled and corrected ones do not.
NOTICE_STATUSES = ("issued", "settled")


def _province(draft: dict[str, Any]) -> str:
    province = draft.get("province")
    if not isinstance(province, str) or not re.fullmatch(r"[0-9]{2}", province):
        raise Unprocessable("草案须写明省份代码 (the draft needs its two-digit province)", field="draft.province")
    return province


def _donors(case: Claim | ReductionNotice, cipher: FieldCipher) -> list[dict[str, str]]:
    first = {"cert_type": case.donor_cert_type, "relationship": case.relationship,
             "cert_number": cipher.decrypt(case.donor_cert_encrypted, context=CERT)}
    others = [{"cert_type": d["cert_type"], "relationship": d["relationship"],
               "cert_number": cipher.decrypt(d["cert_encrypted"], context=CERT)} for d in case.additional_donors]
    return [first, *others]


async def _claim_case(session: AsyncSession, claim: Claim, cipher: FieldCipher) -> dict[str, Any]:
    invoice, before = await registry.before(session, "claim", claim.id)
    return {"reference": claim.reference, "kind": "claim", "status": claim.status, "hold_key": claim.hold_key,
            "at": claim.created_at.isoformat(), "donors": _donors(claim, cipher), "used_on": claim.used_on.isoformat(),
            "usage_province": claim.usage_province, "items": claim_usage.usage_of(claim, cipher)["items"],
            "blood_fee_fen": claim.blood_fee_fen,
            "mutual_aid_fen": claim.mutual_aid_fen, "invoice_key": invoice, **before,
            "recorded_fen": claim.approved_fen if claim.approved_fen is not None else (claim.eligible_fen or 0)}


async def _notice_case(session: AsyncSession, notice: ReductionNotice, cipher: FieldCipher) -> dict[str, Any]:
    invoice, before = await registry.before(session, "notice", notice.id)
    settled = notice.status == "settled"
    return {"reference": notice.notice_no, "kind": "reduction_notice", "status": notice.status,
            "hold_key": notice.hold_key, "at": notice.created_at.isoformat(), "donors": _donors(notice, cipher),
            "used_on": notice.used_on.isoformat(),
            # Notices issued before the usage province was kept were Beijing's own hospitals.
            "usage_province": notice_usage.quote_of(notice, cipher).get("usage_province", notice.province),
            # A settled notice is judged on the bill as it was at discharge.
            "items": (settled and notice_usage.final_items_of(notice, cipher)) or notice_usage.items_of(notice, cipher),
            "blood_fee_fen": (settled and notice.final_blood_fee_fen) or notice.blood_fee_fen,
            "mutual_aid_fen": notice.mutual_aid_fen, "invoice_key": invoice, **before,
            "recorded_fen": (notice.reduced_fen or 0) if settled else notice.max_reducible_fen}


async def cases(session: AsyncSession, province: str, used_from: date, used_to: date,
                cipher: FieldCipher) -> list[dict[str, Any]]:
    claims = (await session.execute(select(Claim).where(
        Claim.province == province, Claim.status.in_(OPEN_STATUSES), Claim.used_on >= used_from,
        Claim.used_on <= used_to).order_by(Claim.created_at))).scalars().all()
    notices = (await session.execute(select(ReductionNotice).where(
        ReductionNotice.province == province, ReductionNotice.status.in_(NOTICE_STATUSES),
        ReductionNotice.used_on >= used_from, ReductionNotice.used_on <= used_to)
        .order_by(ReductionNotice.created_at))).scalars().all()
    return [*[await _claim_case(session, c, cipher) for c in claims],
            *[await _notice_case(session, n, cipher) for n in notices]]


async def simulate(session: AsyncSession, body: SimulationIn, *, entitlement: EntitlementClient,
                   cipher: FieldCipher, timeout_s: float) -> SimulationOut:
    if body.used_to < body.used_from:
        raise Unprocessable("期间结束日不能早于开始日 (used_to is before used_from)", field="used_to")
    found = await cases(session, _province(body.draft), body.used_from, body.used_to, cipher)
    await session.rollback()  # no transaction open while the peer works
    result = await entitlement.simulate({"draft": body.draft, "used_from": body.used_from.isoformat(),
                                         "used_to": body.used_to.isoformat(), "cases": found}, timeout_s)
    return SimulationOut.model_validate(result)
