"""The dashboard's arithmetic: weeks, months, medians and shares from the repository's rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from statistics import median

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from services.claims.calendar import service as calendar
from services.claims.calendar.workdays import CalendarNotCovered, WorkingCalendar
from services.claims.dashboard import repository
from services.claims.dashboard.schemas import ChannelCount, DashboardOut, MonthFigures, OverdueClaim, WeekFigures
from services.claims.reductions.statements import direct_reduction_rate

PAYMENT_WORKING_DAYS = 10  # "审核通过后10个工作日内支付"
CHANNELS = ("online", "hospital", "counter", "mail")


def permille(part: int, whole: int) -> int | None:
    return part * 1000 // whole if whole else None


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def months_back(today: date, count: int) -> list[str]:
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def working_days_taken(working: WorkingCalendar, start: date, end: date, paused: list[tuple[date, date]]) -> int:
    """Working days in (start, end] outside the pauses ([from, to): waiting for the applicant)."""
    day, count = start + timedelta(days=1), 0
    while day <= end:
        if working.is_working_day(day) and not any(begin <= day < stop for begin, stop in paused):
            count += 1
        day += timedelta(days=1)
    return count


def week_figures(decisions: list[repository.Decision], working: WorkingCalendar,
                 weeks: list[date]) -> tuple[list[WeekFigures], float | None]:
    by_week: dict[date, list[tuple[bool | None, int | None]]] = defaultdict(list)
    for d in decisions:
        decided_on = clock.china_date(d.decided_at)
        on_time = None if d.due_on is None else decided_on <= d.due_on
        try:
            taken = None if d.submitted_on is None else working_days_taken(
                working, d.submitted_on, decided_on, calendar.paused_intervals(d.paused_days))
        except CalendarNotCovered:
            taken = None
        by_week[monday(decided_on)].append((on_time, taken))
    out, every = [], []
    for week in weeks:
        rows = by_week.get(week, [])
        timed = [t for t, _ in rows if t is not None]
        days = [n for _, n in rows if n is not None]
        every += days
        out.append(WeekFigures(week_start=week, decided=len(rows), on_time=sum(timed),
                               on_time_permille=permille(sum(timed), len(timed)),
                               median_working_days=median(days) if days else None))
    return out, (median(every) if every else None)


def payout_figures(payouts: list[repository.Payout], working: WorkingCalendar, today: date,
                   months: list[str]) -> dict[str, dict[str, int]]:
    counts = {m: {"approved": 0, "paid_within_limit": 0, "paid_late": 0, "unpaid_overdue": 0, "pending": 0}
              for m in months}
    for p in payouts:
        approved_on = clock.china_date(p.approved_at)
        month = f"{approved_on:%Y-%m}"
        if month not in counts:
            continue
        bucket = counts[month]
        bucket["approved"] += 1
        end = clock.china_date(p.paid_at) if p.paid_at else today
        try:
            days = working.working_days_between(approved_on, end)
        except CalendarNotCovered:
            bucket["pending"] += 1  # no honest count of working days: left out of the share
            continue
        if p.paid_at is not None:
            bucket["paid_within_limit" if days <= PAYMENT_WORKING_DAYS else "paid_late"] += 1
        else:
            bucket["unpaid_overdue" if days > PAYMENT_WORKING_DAYS else "pending"] += 1
    return counts


async def _direct_rates(session: AsyncSession, province: str | None, month: str) -> tuple[int, int]:
    rows = await direct_reduction_rate(session, month)
    mine = [r for r in rows if province is None or r["province"] == province]
    return sum(int(r["direct_reductions"]) for r in mine), sum(int(r["claims"]) for r in mine)


async def dashboard(session: AsyncSession, province: str | None, *, weeks: int, months: int,
                    review_working_days: int) -> DashboardOut:
    today = clock.today()
    working = await calendar.load(session)
    week_starts = [monday(today) - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    month_names = months_back(today, months)
    first_month = date.fromisoformat(f"{month_names[0]}-01")
    decisions = await repository.decisions(session, province, clock.day_bounds(week_starts[0])[0])
    week_rows, overall = week_figures(decisions, working, week_starts)
    payouts = payout_figures(await repository.payouts(session, province, clock.day_bounds(first_month)[0]),
                             working, today, month_names)
    month_rows = []
    for month in month_names:
        direct, approved_claims = await _direct_rates(session, province, month)
        p = payouts[month]
        month_rows.append(MonthFigures(
            month=month, direct_reductions=direct, approved_claims=approved_claims,
            direct_rate_permille=permille(direct, direct + approved_claims), **p,
            paid_within_limit_permille=permille(p["paid_within_limit"], p["approved"] - p["pending"])))
    channels = await repository.by_channel(session, province, first_month)
    count, oldest = await repository.overdue(session, province, today, limit=10)

    def overdue_by(due_on: date) -> int | None:
        try:
            return working.working_days_between(due_on, today)
        except CalendarNotCovered:
            return None

    return DashboardOut(
        as_of=today, province=province, review_working_days=review_working_days,
        payment_working_days=PAYMENT_WORKING_DAYS, weeks=week_rows, median_working_days_to_decision=overall,
        months=month_rows,
        channels=[ChannelCount(channel=c, claims=channels.get(c, 0))
                  for c in (*CHANNELS, *sorted(set(channels) - set(CHANNELS)))],
        overdue_now=count,
        overdue_oldest=[OverdueClaim(id=i, reference=r, status=s, due_on=d, working_days_overdue=overdue_by(d))
                        for i, r, s, d in oldest],
    )
