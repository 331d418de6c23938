"""The console's dashboard figures from one route, and the arithmetic behind them."""

from __future__ import annotations

from datetime import date, datetime

from kit import clock
from services.claims.calendar.workdays import WorkingCalendar
from services.claims.dashboard import service
from services.claims.dashboard.repository import Decision
from tests.claims.helpers import decide, submitted
from tests.claims.test_worklist import make_overdue
from tests.support.callers import caller_headers
from tests.support.dates import iso_days_ago, today


def test_months_back_cross_the_new_year() -> None:
    assert service.months_back(date(2027, 2, 10), 4) == ["2026-11", "2026-12", "2027-01", "2027-02"]


def test_working_days_taken_skip_holidays_weekends_and_days_waiting_for_materials() -> None:
    working = WorkingCalendar()
    # Submitted Friday 2025-09-26; Sunday 09-28 is a make-up working day; 10-01..10-08 National Day.
    assert service.working_days_taken(working, date(2025, 9, 26), date(2025, 10, 10), []) == 5
    # Waiting for materials Monday 09-29 and Tuesday 09-30 ([from, to) = [09-29, 10-01)): two fewer.
    assert service.working_days_taken(working, date(2025, 9, 26), date(2025, 10, 10),
                                      [(date(2025, 9, 29), date(2025, 10, 1))]) == 3


def test_week_figures_count_on_time_decisions_and_the_median() -> None:
    def decided(on: date, due: date, submitted_on: date) -> Decision:
        return Decision(submitted_on=submitted_on, due_on=due, paused_days=[],
                        decided_at=datetime(on.year, on.month, on.day, 10, tzinfo=clock.CST))

    monday = date(2025, 11, 10)
    rows = [decided(date(2025, 11, 10), date(2025, 11, 14), date(2025, 11, 3)),  # 5 working days, on time
            decided(date(2025, 11, 12), date(2025, 11, 11), date(2025, 10, 28)),  # 11 working days, late
            decided(date(2025, 11, 14), date(2025, 11, 20), date(2025, 11, 11))]  # 3 working days, on time
    weeks, overall = service.week_figures(rows, WorkingCalendar(), [date(2025, 11, 3), monday])
    assert weeks[0].model_dump() == {"week_start": date(2025, 11, 3), "decided": 0, "on_time": 0,
                                     "on_time_permille": None, "median_working_days": None}
    assert (weeks[1].decided, weeks[1].on_time, weeks[1].on_time_permille) == (3, 2, 666)
    assert weeks[1].median_working_days == 5 and overall == 5


async def test_the_dashboard_route_gives_every_figure_for_the_callers_province(gateway, team, stack, keys,
                                                                              admin_headers, db) -> None:
    approved = await submitted(gateway, team, invoice_number="DB1")
    rejected = await submitted(gateway, team, invoice_number="DB2")
    overdue = await submitted(gateway, team, invoice_number="DB3")
    await submitted(gateway, team, invoice_number="DB4", channel="mail", postmarked_on=iso_days_ago(50))
    assert (await decide(gateway, team["reviewer"], approved["id"], decision="approve")).status_code == 200
    await decide(gateway, team["reviewer"], rejected["id"], decision="reject", reason_code="not_eligible", note="否")
    await make_overdue(db, overdue["id"])

    figures = (await gateway.get("/ops/v1/dashboard", headers=team["reviewer"])).json()
    assert figures["province"] == "11" and figures["as_of"] == today().isoformat()
    assert len(figures["weeks"]) == 12 and len(figures["months"]) == 6
    this_week, this_month = figures["weeks"][-1], figures["months"][-1]
    assert (this_week["decided"], this_week["on_time"], this_week["on_time_permille"]) == (2, 2, 1000)
    assert this_week["median_working_days"] == 0 and figures["median_working_days_to_decision"] == 0
    assert (this_month["approved"], this_month["pending"], this_month["paid_within_limit"]) == (1, 1, 0)
    assert this_month["paid_within_limit_permille"] is None  # nothing due yet
    assert this_month["approved_claims"] == 1 and this_month["direct_rate_permille"] == 0
    assert {c["channel"]: c["claims"] for c in figures["channels"]} == {"online": 0, "hospital": 0, "counter": 3,
                                                                        "mail": 1}
    assert figures["overdue_now"] == 1 and figures["overdue_oldest"][0]["reference"] == overdue["reference"]
    assert figures["overdue_oldest"][0]["working_days_overdue"] >= 5

    paid = await stack.services["claims"].post(
        "/v1/payment-events", headers=caller_headers(keys, subject="payments", kind="system", roles=("system",)),
        json={"event_id": "e1", "disbursement_id": "d1", "source_ref": f"claim:{approved['id']}",
              "event": "succeeded", "amount_fen": 44_000})
    assert paid.status_code == 200, paid.text
    after = (await gateway.get("/ops/v1/dashboard", headers=team["reviewer"], params={"weeks": 2})).json()
    assert len(after["weeks"]) == 2
    assert (after["months"][-1]["paid_within_limit"], after["months"][-1]["paid_within_limit_permille"]) == (1, 1000)

    elsewhere = (await gateway.get("/ops/v1/dashboard", headers=team["zj_reviewer"])).json()
    assert elsewhere["overdue_now"] == 0 and elsewhere["weeks"][-1]["decided"] == 0
    asked = (await gateway.get("/ops/v1/dashboard", headers=team["zj_reviewer"], params={"province": "11"})).json()
    assert (asked["province"], asked["overdue_now"], asked["weeks"][-1]["decided"]) == ("33", 0, 0)  # its own
    everywhere = (await gateway.get("/ops/v1/dashboard", headers=admin_headers)).json()
    assert everywhere["province"] is None and everywhere["overdue_now"] == 1
