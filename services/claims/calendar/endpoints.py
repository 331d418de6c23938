from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from kit.callers import allow, province_scope
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.paging import PagingDep, paged
from kit.problems import Unprocessable, problem_responses
from services.claims.calendar import service
from services.claims.calendar.models import CalendarAlarm, CalendarDay, CalendarYear
from services.claims.calendar.workdays import PACKAGE_YEARS

router = APIRouter(prefix="/v1/calendar", tags=["working-day calendar"])


class DayIn(BaseModel):
    working: bool = Field(description="true: a make-up working day (调休上班); false: a day off")
    note: str = Field(min_length=1, max_length=200, examples=["2027年春节"])


class DayOut(BaseModel):
    day: date
    working: bool
    note: str
    set_by: str


class YearOut(BaseModel):
    year: int
    covered: bool = Field(description="due dates in this year can be computed")
    source: str | None = Field(description="package: the official notices shipped with chinese_calendar; "
                                           "declared: entered by ops; null: not covered (an alarm)")
    overrides: list[DayOut]


class AlarmOut(BaseModel):
    claim_id: str
    year: int
    raised_at: str


@router.put("/days/{day}", operation_id="set_calendar_day", summary="Enter one day of next year's official schedule (admin)",
            responses=problem_responses(401, 403, 422), dependencies=[allow(staff=("admin",))])
async def set_day(day: date, body: DayIn, caller: CallerDep, session: SessionDep) -> dict[str, object]:
    stmt = insert(CalendarDay).values(day=day, working=body.working, note=body.note, set_by=caller.subject)
    await session.execute(stmt.on_conflict_do_update(index_elements=["day"], set_={
        "working": body.working, "note": body.note, "set_by": caller.subject}))
    return {"day": day.isoformat(), "working": body.working, "note": body.note}


@router.get("/years/{year}", response_model=YearOut, operation_id="calendar_year",
            summary="A year of the working-day calendar: covered or not, and the days ops entered",
            description="The State Council's schedule is national: every reviewer sees the same year, and nothing "
                        "of any province is in it.",
            responses=problem_responses(401, 403, 422),
            dependencies=[allow(staff=("admin", "reviewer", "senior_reviewer"))])
async def calendar_year(year: Annotated[int, Path(ge=2000, le=2100)], session: SessionDep) -> YearOut:
    days = (await session.execute(select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                            CalendarDay.day <= date(year, 12, 31))
                                  .order_by(CalendarDay.day))).scalars()
    declared = await session.get(CalendarYear, year) is not None
    source = "package" if year in PACKAGE_YEARS else "declared" if declared else None
    return YearOut(year=year, covered=source is not None, source=source,
                   overrides=[DayOut(day=d.day, working=d.working, note=d.note, set_by=d.set_by) for d in days])


@router.post("/years/{year}", operation_id="declare_calendar_year",
             summary="Declare a year's schedule complete, after entering its days (admin); ends its alarms",
             responses=problem_responses(401, 403, 422), dependencies=[allow(staff=("admin",))])
async def declare_year(year: int, caller: CallerDep, session: SessionDep) -> dict[str, object]:
    calendar = await service.load(session)
    if not any(d.year == year for d in calendar.overrides):
        raise Unprocessable(f"{year} 年尚未录入任何节假日安排 (enter the year's days first)", field="year")
    await session.execute(insert(CalendarYear).values(year=year, declared_by=caller.subject)
                          .on_conflict_do_nothing(index_elements=["year"]))
    return {"year": year, "covered": True}


@router.get("/alarms", response_model=list[AlarmOut], operation_id="calendar_alarms",
            summary="Claims whose due date could not be computed (year not covered)",
            description="Reviewers see their own province's claims' alarms; admin sees all.",
            responses={**paged(), **problem_responses(401, 403, 422)},
            dependencies=[allow(staff=("admin", "reviewer", "senior_reviewer"))])
async def alarms(caller: CallerDep, session: SessionDep, page: PagingDep) -> list[AlarmOut]:
    stmt = service.open_alarms(province=province_scope(caller))
    return [AlarmOut(claim_id=str(a.claim_id), year=a.year, raised_at=a.raised_at.isoformat())
            for a in await page.fetch(session, stmt, [CalendarAlarm.id])]
