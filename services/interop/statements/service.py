"""Inter-province statements (省际结算清单), both sides.

Usage side: for a partner and a month, what our hospitals reduced for its donors under its
authorisations (claims knows), sent as totals then lines. Donor side: totals must equal the
lines; each line is checked against what we authorised (the notice, its receipt, its amount) and
never confirmed twice; the answer confirms or disputes each line; finance pays the confirmed
total once through payments (funding source `interop`), and the partner is sent a payment
confirmation when the bank reports it paid.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.problems import Conflict, NotFound, Unprocessable
from services.interop.statements.models import ConfirmedLine, Statement


class Line(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: int = Field(ge=1)
    authorisation_no: str = Field(min_length=1, max_length=32, description="the donor province's notice number")
    receipt_no: str = Field(min_length=1, max_length=64)
    settled_on: date
    reduced_fen: int = Field(ge=0)


class Totals(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=0)
    amount_fen: int = Field(ge=0)


class StatementMessage(BaseModel):
    """Totals first, then the lines that make them up."""

    model_config = ConfigDict(extra="forbid")

    statement_ref: str = Field(min_length=4, max_length=64)
    period: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")
    totals: Totals
    lines: list[Line] = Field(max_length=5000)

    @model_validator(mode="after")
    def _totals_add_up(self) -> StatementMessage:
        if self.totals.count != len(self.lines) or self.totals.amount_fen != sum(x.reduced_fen for x in self.lines):
            raise ValueError(f"totals ({self.totals.count} lines, {self.totals.amount_fen} fen) do not match the "
                             f"lines ({len(self.lines)}, {sum(x.reduced_fen for x in self.lines)} fen)")
        if len({x.line_no for x in self.lines}) != len(self.lines):
            raise ValueError("line numbers must be unique")
        return self


class LineDecision(BaseModel):
    line_no: int
    authorisation_no: str
    decision: str = Field(description="confirmed or disputed")
    reason: str | None = None


class StatementAnswer(BaseModel):
    statement_ref: str
    status: str
    confirmed_fen: int
    disputed_fen: int
    lines: list[LineDecision]


class PaymentConfirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statement_ref: str
    amount_fen: int = Field(ge=0)
    paid_at: str
    payment_ref: str


def month_bounds(period: str) -> tuple[date, date]:
    year, month = (int(x) for x in period.split("-"))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _check(line: Line, authorised: dict[str, dict[str, Any]], confirmed_elsewhere: dict[str, str]) -> LineDecision:
    found = authorised.get(line.authorisation_no)
    decision = LineDecision(line_no=line.line_no, authorisation_no=line.authorisation_no, decision="disputed")
    if found is None:
        decision.reason = "无此授权 (no authorisation of ours has this number)"
    elif found["status"] != "settled":
        decision.reason = f"授权状态为 {found['status']}，未结算 (not settled with us)"
    elif found["receipt_no"] != line.receipt_no:
        decision.reason = f"收据号不符：我方记录 {found['receipt_no']} (receipt differs)"
    elif found["reduced_fen"] != line.reduced_fen:
        decision.reason = f"金额不符：我方记录 {found['reduced_fen']} 分 (amount differs)"
    elif line.authorisation_no in confirmed_elsewhere:
        decision.reason = f"已在结算清单 {confirmed_elsewhere[line.authorisation_no]} 中确认 (confirmed before)"
    else:
        decision.decision, decision.reason = "confirmed", None
    return decision


async def check_incoming(session: AsyncSession, partner: str, message: StatementMessage,
                         authorised: list[dict[str, Any]]) -> Statement:
    """Donor side: record the partner's statement with a decision per line (idempotent by its ref)."""
    stmt = select(Statement).where(Statement.partner_code == partner, Statement.direction == "in",
                                   Statement.statement_ref == message.statement_ref)
    if (earlier := (await session.execute(stmt)).scalar_one_or_none()) is not None:
        return earlier
    by_no = {a["notice_no"]: a for a in authorised}
    rows = (await session.execute(select(ConfirmedLine, Statement.statement_ref).join(
        Statement, Statement.id == ConfirmedLine.statement_id).where(ConfirmedLine.partner_code == partner))).all()
    elsewhere = {line.authorisation_no: ref for line, ref in rows}
    decisions, seen = [], set()
    for line in message.lines:
        decision = _check(line, by_no, elsewhere)
        if decision.decision == "confirmed" and line.authorisation_no in seen:
            decision.decision, decision.reason = "disputed", "同一授权在本清单中重复 (listed twice)"
        seen.add(line.authorisation_no)
        decisions.append(decision)
    start, end = month_bounds(message.period)
    confirmed = sum(x.reduced_fen for x, d in zip(message.lines, decisions, strict=True) if d.decision == "confirmed")
    statement = Statement(
        id=uuid.uuid4(), direction="in", partner_code=partner, statement_ref=message.statement_ref,
        period=message.period, date_from=start, date_to=end, total_count=message.totals.count,
        total_fen=message.totals.amount_fen,
        lines=[{**x.model_dump(mode="json"), "decision": d.decision, "reason": d.reason}
               for x, d in zip(message.lines, decisions, strict=True)],
        confirmed_fen=confirmed, disputed_fen=message.totals.amount_fen - confirmed, status="checked")
    session.add(statement)
    await session.flush()
    session.add_all(ConfirmedLine(partner_code=partner, authorisation_no=x.authorisation_no,
                                  statement_id=statement.id, reduced_fen=x.reduced_fen)
                    for x, d in zip(message.lines, decisions, strict=True) if d.decision == "confirmed")
    return statement


def answer(statement: Statement) -> StatementAnswer:
    return StatementAnswer(
        statement_ref=statement.statement_ref, status=statement.status, confirmed_fen=statement.confirmed_fen or 0,
        disputed_fen=statement.disputed_fen or 0,
        lines=[LineDecision(line_no=x["line_no"], authorisation_no=x["authorisation_no"],
                            decision=x.get("decision") or "pending", reason=x.get("reason"))
               for x in statement.lines])


def outgoing(partner: str, period: str, lines: list[dict[str, Any]]) -> tuple[Statement, StatementMessage]:
    start, end = month_bounds(period)
    numbered = [Line(line_no=i, authorisation_no=x["partner_notice_no"], receipt_no=x["receipt_no"],
                     settled_on=x["settled_on"], reduced_fen=x["reduced_fen"]) for i, x in enumerate(lines, start=1)]
    message = StatementMessage(statement_ref=f"ST-{partner.upper()}-{period}-{uuid.uuid4().hex[:6]}", period=period,
                               totals=Totals(count=len(numbered), amount_fen=sum(x.reduced_fen for x in numbered)),
                               lines=numbered)
    statement = Statement(id=uuid.uuid4(), direction="out", partner_code=partner, statement_ref=message.statement_ref,
                          period=period, date_from=start, date_to=end, total_count=message.totals.count,
                          total_fen=message.totals.amount_fen, lines=[x.model_dump(mode="json") for x in numbered],
                          status="sent")
    return statement, message


async def by_ref(session: AsyncSession, partner: str, direction: str, ref: str, *,
                 for_update: bool = False) -> Statement:
    stmt = select(Statement).where(Statement.partner_code == partner, Statement.direction == direction,
                                   Statement.statement_ref == ref)
    if for_update:
        stmt = stmt.with_for_update()
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"没有结算清单 {ref} (no such statement)", field="statement_ref")
    return found


def record_answer(statement: Statement, body: dict[str, Any]) -> None:
    """Usage side: the partner's decisions on our statement."""
    decisions = {d["line_no"]: d for d in body.get("lines", [])}
    statement.lines = [{**x, "decision": decisions.get(x["line_no"], {}).get("decision"),
                        "reason": decisions.get(x["line_no"], {}).get("reason")} for x in statement.lines]
    statement.confirmed_fen, statement.disputed_fen = body.get("confirmed_fen"), body.get("disputed_fen")
    if statement.status == "sent":
        statement.status = "answered"


def request_payment(statement: Statement) -> None:
    if statement.direction != "in":
        raise Conflict("只能支付合作方发来的结算清单 (only a partner's statement is paid by us)")
    if statement.status not in ("checked", "payment_requested"):
        raise Conflict(f"结算清单状态为 {statement.status} (statement is {statement.status})")
    if not statement.confirmed_fen:
        raise Unprocessable("没有已确认的金额 (nothing confirmed to pay)", field="confirmed_fen")


def mark_paid(statement: Statement, amount_fen: int, disbursement_id: str) -> bool:
    """True when this changed it (a repeated event does not)."""
    if statement.status == "paid":
        return False
    statement.status, statement.paid_fen, statement.paid_at = "paid", amount_fen, clock.now()
    statement.disbursement_id = disbursement_id
    return True


def app_province(app: FastAPI) -> str:
    return str(app.state.settings.provinces[0])
