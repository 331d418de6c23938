"""All reads and writes of the invoice registry. Callers lock the invoice first (``lock``) and
register in the same transaction as the claim's or notice's own change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from kit.problems import Conflict
from services.claims.invoices.key import invoice_key, normalise
from services.claims.invoices.models import InvoiceUse


@dataclass(frozen=True)
class Coverage:
    """What the live uses of one bill have covered so far."""

    covered_ml: int = 0
    reduced_fen: int = 0
    mutual_aid_fen: int = 0
    references: tuple[str, ...] = ()
    donors: frozenset[str] = frozenset()

    def before(self) -> dict[str, int]:
        """The quote's fields for earlier reductions of the same bill."""
        return {"covered_before_ml": self.covered_ml, "reduced_before_fen": self.reduced_fen,
                "mutual_aid_refunded_before_fen": self.mutual_aid_fen}

    def fee_fully_reduced(self, blood_fee_fen: int, mutual_aid_fen: int) -> bool:
        return bool(self.references) and self.reduced_fen >= blood_fee_fen and self.mutual_aid_fen >= mutual_aid_fen


class InvoiceCovered(Conflict):
    """A second reduction of the same fen (一次用血不得重复报销), naming what covered it."""

    def __init__(self, coverage: Coverage, why: str = "该发票已全额减免") -> None:
        refs = "、".join(coverage.references)
        super().__init__(f"{why}：{refs} (this invoice is already covered by {refs})", field="invoice.number",
                         earlier_reference=coverage.references[0], covered_by=list(coverage.references))


async def lock(session: AsyncSession, code: str, number: str) -> None:
    """Serialise everything that registers one invoice until the transaction ends."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                          {"k": f"invoice:{invoice_key(code, number)}"})


async def coverage(session: AsyncSession, code: str, number: str, *,
                   exclude: tuple[str, uuid.UUID] | None = None) -> Coverage:
    stmt = select(InvoiceUse).where(InvoiceUse.invoice_code == normalise(code),
                                    InvoiceUse.invoice_number == normalise(number), InvoiceUse.live.is_(True))
    uses = [u for u in (await session.execute(stmt.order_by(InvoiceUse.seq))).scalars()
            if exclude is None or (u.case_kind, u.case_id) != exclude]
    return Coverage(covered_ml=sum(u.covered_ml for u in uses), reduced_fen=sum(u.reduced_fen for u in uses),
                    mutual_aid_fen=sum(u.mutual_aid_fen for u in uses), references=tuple(u.reference for u in uses),
                    donors=frozenset(d for u in uses for d in u.donors))


def refuse_repeat_donors(found: Coverage, donors: list[str]) -> None:
    """A donor already drawn on for this bill is not drawn on again (a second claim is a duplicate,
    not a second donor)."""
    if found.donors & set(donors):
        raise InvoiceCovered(found, "该献血者已就此发票申请过减免")


async def register(session: AsyncSession, *, kind: str, case_id: uuid.UUID, reference: str, code: str, number: str,
                   donors: list[str], amounts: dict[str, int]) -> InvoiceUse:
    """Record a use (or revive this case's own, voided one). ``amounts``: covered_ml, reduced_fen,
    mutual_aid_fen."""
    code, number = normalise(code), normalise(number)
    own = (await session.execute(select(InvoiceUse).where(
        InvoiceUse.case_kind == kind, InvoiceUse.case_id == case_id))).scalar_one_or_none()
    if own is not None:
        own.live, own.donors = True, donors
        _set(own, amounts)
        return own
    last = (await session.execute(select(func.max(InvoiceUse.seq)).where(
        InvoiceUse.invoice_code == code, InvoiceUse.invoice_number == number))).scalar_one()
    use = InvoiceUse(invoice_code=code, invoice_number=number, seq=(last or 0) + 1, case_kind=kind, case_id=case_id,
                     reference=reference, donors=donors, live=True, covered_ml=0, reduced_fen=0, mutual_aid_fen=0)
    _set(use, amounts)
    session.add(use)
    await session.flush()
    return use


def _set(use: InvoiceUse, amounts: dict[str, Any]) -> None:
    use.covered_ml = int(amounts.get("covered_ml", 0))
    use.reduced_fen = int(amounts.get("reduced_fen", 0))
    use.mutual_aid_fen = int(amounts.get("mutual_aid_fen", 0))


async def before(session: AsyncSession, kind: str, case_id: uuid.UUID) -> tuple[str | None, dict[str, int]]:
    """The invoice key of a case and what live uses registered before it took of the bill."""
    own = (await session.execute(select(InvoiceUse).where(
        InvoiceUse.case_kind == kind, InvoiceUse.case_id == case_id))).scalar_one_or_none()
    if own is None:
        return None, Coverage().before()
    earlier = (await session.execute(select(InvoiceUse).where(
        InvoiceUse.invoice_code == own.invoice_code, InvoiceUse.invoice_number == own.invoice_number,
        InvoiceUse.live.is_(True), InvoiceUse.seq < own.seq))).scalars().all()
    return f"{own.invoice_code}|{own.invoice_number}", Coverage(
        covered_ml=sum(u.covered_ml for u in earlier), reduced_fen=sum(u.reduced_fen for u in earlier),
        mutual_aid_fen=sum(u.mutual_aid_fen for u in earlier)).before()


async def settle_amounts(session: AsyncSession, kind: str, case_id: uuid.UUID, amounts: dict[str, int]) -> None:
    """What was finally paid or reduced (a lowered approval leaves the rest of the bill uncovered)."""
    await session.execute(update(InvoiceUse).where(InvoiceUse.case_kind == kind, InvoiceUse.case_id == case_id)
                          .values(covered_ml=amounts["covered_ml"], reduced_fen=amounts["reduced_fen"],
                                  mutual_aid_fen=amounts["mutual_aid_fen"]))


async def void(session: AsyncSession, kind: str, case_id: uuid.UUID) -> None:
    """The case no longer reduces the bill (rejected, withdrawn, corrected): its share is free again."""
    await session.execute(update(InvoiceUse).where(InvoiceUse.case_kind == kind, InvoiceUse.case_id == case_id)
                          .values(live=False))
