"""Run a day's reconciliation: fetch the statements first (no transaction open), then match and
store every finding. Re-running stores a new run; earlier runs and their findings stay."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.problems import NotFound, Unprocessable
from services.payments.channels.base import Channel, StatementLine
from services.payments.reconciliation import matching, repository
from services.payments.reconciliation.models import KINDS, ReconciliationItem, ReconciliationRun
from services.payments.reconciliation.schemas import ItemOut, ReconciliationOut


def check_day(day: date) -> None:
    if day > clock.china_date(clock.now()):
        raise Unprocessable("对账日期不能晚于今天 (no statement exists for a future date)", field="date")


async def fetch_statements(channels: Mapping[str, Channel], day: date) -> dict[str, list[StatementLine]]:
    """Raises ChannelError when a channel cannot give its statement: no half reconciliation."""
    return {name: await channel.statement(day) for name, channel in sorted(channels.items()) if channel.enabled}


async def record(session: AsyncSession, day: date, statements: Mapping[str, list[StatementLine]], *,
                 trigger: str, actor: str) -> tuple[ReconciliationRun, list[ReconciliationItem]]:
    start, end = clock.day_bounds(day)
    run = ReconciliationRun(id=uuid.uuid4(), run_date=day, trigger=trigger, channels=sorted(statements),
                            ran_by=actor, ran_at=clock.now(), counts={})
    items: list[ReconciliationItem] = []
    for channel, lines in sorted(statements.items()):
        sent = await repository.sent_on(session, channel, start, end)
        known = {t.merchant_transfer_no: t for t in sent}
        known |= await repository.by_numbers(session, {line.merchant_transfer_no for line in lines} - set(known))
        items += [_item(run.id, channel, f) for f in matching.match(sent, lines, known)]
    # Mismatches first: they are what finance has to act on.
    items.sort(key=lambda i: (i.kind == "matched", KINDS.index(i.kind), i.merchant_transfer_no))
    run.counts = {kind: sum(1 for i in items if i.kind == kind) for kind in KINDS}
    await repository.add(session, run, items)
    return run, items


def _item(run_id: uuid.UUID, channel: str, f: matching.Finding) -> ReconciliationItem:
    ours, bank = f.platform, f.bank
    return ReconciliationItem(
        run_id=run_id, kind=f.kind, channel=channel, merchant_transfer_no=f.merchant_transfer_no, detail=f.detail,
        disbursement_id=ours.disbursement_id if ours else None, source_ref=ours.source_ref if ours else None,
        attempt=ours.attempt if ours else None, platform_amount_fen=ours.amount_fen if ours else None,
        platform_status=ours.status if ours else None, bank_amount_fen=bank.amount_fen if bank else None,
        bank_status=bank.state if bank else None,
    )


async def latest(session: AsyncSession, day: date,
                 province: str | None = None) -> tuple[ReconciliationRun, list[ReconciliationItem]]:
    """The day's latest run and the items the caller may see (`province`: that province's only)."""
    run = await repository.latest(session, day)
    if run is None:
        raise NotFound(f"{day} 尚未对账 (no reconciliation for {day}; run it first)", field="date")
    return run, await repository.items(session, run.id, province)


def to_out(run: ReconciliationRun, items: list[ReconciliationItem], *, scoped: bool = False) -> ReconciliationOut:
    """`scoped`: the items are one province's, so the counts are recounted from them."""
    counts = {kind: sum(1 for i in items if i.kind == kind) for kind in KINDS} if scoped else run.counts
    return ReconciliationOut(
        run_id=run.id, date=run.run_date, trigger=run.trigger, channels=run.channels,  # type: ignore[arg-type]
        ran_at=run.ran_at, ran_by=run.ran_by, counts=counts,  # type: ignore[arg-type]
        mismatches=[ItemOut.model_validate(i) for i in items if i.kind != "matched"],
    )
