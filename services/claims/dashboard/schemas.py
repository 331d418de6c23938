from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field


class WeekFigures(BaseModel):
    week_start: date = Field(description="Monday of the week (China dates)")
    decided: int = Field(description="claims whose first decision (approval, first approval or rejection) fell in "
                                     "the week")
    on_time: int = Field(description="of those, decided on or before their due date")
    on_time_permille: int | None
    median_working_days: float | None = Field(description="working days from submission to the first decision, "
                                                          "days waiting for materials not counted")


class MonthFigures(BaseModel):
    month: str = Field(examples=["2026-11"])
    direct_reductions: int = Field(description="settled direct reductions (医疗机构直免)")
    approved_claims: int = Field(description="claims submitted in the month and approved (the rate's other part)")
    direct_rate_permille: int | None
    approved: int = Field(description="claims approved in the month")
    paid_within_limit: int = Field(description="paid within the payment limit (10 working days) of approval")
    paid_late: int
    unpaid_overdue: int = Field(description="not paid and past the limit")
    pending: int = Field(description="not paid, still within the limit (not in the share)")
    paid_within_limit_permille: int | None


class ChannelCount(BaseModel):
    channel: str
    claims: int


class OverdueClaim(BaseModel):
    id: uuid.UUID
    reference: str
    status: str
    due_on: date
    working_days_overdue: int | None


class DashboardOut(BaseModel):
    as_of: date
    province: str | None = Field(description="null: every province (admin)")
    review_working_days: int
    payment_working_days: int
    weeks: list[WeekFigures]
    median_working_days_to_decision: float | None = Field(description="over every decision in `weeks`")
    months: list[MonthFigures]
    channels: list[ChannelCount] = Field(description="claims submitted since the first of `months`, by channel")
    overdue_now: int
    overdue_oldest: list[OverdueClaim] = Field(description="the ten most overdue")
