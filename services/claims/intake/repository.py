"""All SQL of claims and their documents."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Select, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from services.claims.intake.models import Claim, ClaimDocument

OPEN_STATUSES = ("forwarded", "submitted", "under_review", "needs_more_info", "awaiting_second_review", "approved",
                 "needs_attention", "payee_correction", "payment_failed", "paid")


async def add_with_reference(session: AsyncSession, claim: Claim) -> None:
    session.add(claim)
    await session.flush()
    await session.refresh(claim, ["seq", "created_at", "updated_at"])
    claim.reference = f"BX{claim.province}{clock.today():%Y%m%d}{claim.seq:06d}"
    await session.flush()


async def get(session: AsyncSession, claim_id: uuid.UUID, *, for_update: bool = False) -> Claim | None:
    stmt = select(Claim).where(Claim.id == claim_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def documents(session: AsyncSession, claim_id: uuid.UUID) -> list[ClaimDocument]:
    stmt = select(ClaimDocument).where(ClaimDocument.claim_id == claim_id).order_by(ClaimDocument.uploaded_at)
    return list((await session.execute(stmt)).scalars())


def queue(*, statuses: list[str] | None, province: str | None, overdue_on: date | None,
          applicant: tuple[str, str] | None = None, party_index: tuple[str, str] | None = None) -> Select[Any]:
    """The claims a list shows; page it by `QUEUE_ORDER` (kit.paging)."""
    stmt = select(Claim)
    if statuses:
        stmt = stmt.where(Claim.status.in_(statuses))
    if province:  # the claims of that province here (access.home_province)
        stmt = stmt.where(or_(Claim.forwarded_to.is_(None) & (Claim.province == province),
                              Claim.forwarded_to.is_not(None) & (Claim.usage_province == province)))
    if overdue_on is not None:
        stmt = stmt.where(Claim.due_on < overdue_on, Claim.status.in_(
            ("submitted", "under_review", "awaiting_second_review")))
    if applicant is not None or party_index is not None:
        conditions = []
        if applicant is not None:
            conditions.append((Claim.applicant_kind == applicant[0]) & (Claim.applicant_subject == applicant[1]))
        if party_index is not None:
            t, i = party_index
            conditions.append(((Claim.donor_cert_type == t) & (Claim.donor_person_index == i))
                              | ((Claim.beneficiary_cert_type == t) & (Claim.beneficiary_person_index == i))
                              | Claim.additional_donors.contains([{"cert_type": t, "person_index": i}]))
        stmt = stmt.where(or_(*conditions))
    return stmt


# Earliest due first, claims without a due date (drafts) last; created_at and id make it unique.
QUEUE_ORDER = (func.coalesce(Claim.due_on, literal(date.max)), Claim.created_at, Claim.id)


async def documents_of(session: AsyncSession, claim_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ClaimDocument]]:
    """The documents of many claims in one query (a list never queries per row)."""
    found: dict[uuid.UUID, list[ClaimDocument]] = {claim_id: [] for claim_id in claim_ids}
    if claim_ids:
        stmt = (select(ClaimDocument).where(ClaimDocument.claim_id.in_(claim_ids))
                .order_by(ClaimDocument.uploaded_at))
        for document in (await session.execute(stmt)).scalars():
            found[document.claim_id].append(document)
    return found


async def count_documents(session: AsyncSession, claim_id: uuid.UUID) -> int:
    stmt = select(func.count()).select_from(ClaimDocument).where(ClaimDocument.claim_id == claim_id)
    return int((await session.execute(stmt)).scalar_one())
