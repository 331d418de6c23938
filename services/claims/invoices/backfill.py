"""Start-up completion of the invoice uses the cl_i13_1 migration registered for existing claims
and reductions: their donors as person indexes (kit.identity) and, where the quote was already
encrypted (issue 11), the mL it covered. A migration has no keys; the service has (kit.backfill).

A use with no donors is one the migration wrote: every use registered since names at least one.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit.crypto import BlindIndex, FieldCipher
from services.claims.intake import donors
from services.claims.intake import usage as claim_usage
from services.claims.intake.models import Claim
from services.claims.invoices.models import InvoiceUse
from services.claims.reductions import usage as notice_usage
from services.claims.reductions.models import ReductionNotice


async def complete_uses(sessionmaker: async_sessionmaker[AsyncSession], cipher: FieldCipher, persons: BlindIndex,
                        *, batch: int = 200) -> int:
    """Fill every use written without donors; returns the count. Batches of their own transaction,
    skipping rows another instance is completing."""
    done, after = 0, uuid.UUID(int=0)
    while True:
        async with sessionmaker() as session, session.begin():
            stmt = (select(InvoiceUse).where(func.jsonb_array_length(InvoiceUse.donors) == 0, InvoiceUse.id > after)
                    .order_by(InvoiceUse.id).limit(batch).with_for_update(skip_locked=True))
            uses = list((await session.execute(stmt)).scalars())
            for use in uses:
                await _complete(session, use, cipher, persons)
        done += len(uses)
        if len(uses) < batch:
            return done
        after = uses[-1].id


async def _complete(session: AsyncSession, use: InvoiceUse, cipher: FieldCipher, persons: BlindIndex) -> None:
    if use.case_kind == "claim":
        claim = await session.get(Claim, use.case_id)
        if claim is None:
            return
        case, quote = claim, claim_usage.quote_of(claim, cipher)
    else:
        notice = await session.get(ReductionNotice, use.case_id)
        if notice is None:
            return
        case, quote = notice, notice_usage.quote_of(notice, cipher)
    use.donors = donors.registry_keys(case, cipher, persons)  # type: ignore[arg-type]
    if use.covered_ml == 0:
        use.covered_ml = int(quote.get("covered_ml", 0))
