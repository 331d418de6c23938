"""Due dates on the official working-day calendar plus ops overrides; alarms, never guesses."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from services.claims.calendar.models import CalendarAlarm, CalendarDay, CalendarYear
from services.claims.calendar.workdays import CalendarNotCovered, WorkingCalendar
from services.claims.intake.models import Claim


async def load(session: AsyncSession) -> WorkingCalendar:
    days = (await session.execute(select(CalendarDay.day, CalendarDay.working))).all()
    years = (await session.execute(select(CalendarYear.year))).scalars().all()
    return WorkingCalendar(overrides={d: w for d, w in days}, extra_covered_years=set(years))


def paused_intervals(raw: list[list[str]]) -> list[tuple[date, date]]:
    return [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in raw]


async def due_on(session: AsyncSession, claim_id: uuid.UUID, submitted_on: date, working_days: int,
                 paused: list[tuple[date, date]]) -> date | None:
    """The due date, or None with an alarm row when the calendar does not cover the year."""
    calendar = await load(session)
    try:
        return calendar.due_date(submitted_on, working_days, paused)
    except CalendarNotCovered as exc:
        session.add(CalendarAlarm(claim_id=claim_id, year=exc.year))
        return None


def open_alarms(*, province: str | None = None) -> Select[tuple[CalendarAlarm]]:
    """Unresolved alarms, paged oldest first by id; `province` keeps those of that province's claims."""
    stmt = select(CalendarAlarm).where(CalendarAlarm.resolved_at.is_(None))
    if province is not None:
        stmt = stmt.join(Claim, Claim.id == CalendarAlarm.claim_id).where(Claim.province == province)
    return stmt


async def resolve_alarms(session: AsyncSession, claim_ids: list[uuid.UUID]) -> None:
    await session.execute(update(CalendarAlarm).where(CalendarAlarm.claim_id.in_(claim_ids),
                                                      CalendarAlarm.resolved_at.is_(None))
                          .values(resolved_at=clock.now()))
