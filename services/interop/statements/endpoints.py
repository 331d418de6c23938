from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from kit.db import SessionDep
from kit.identity import CallerDep
from kit.problems import NotFound, ServiceUnavailable, Unprocessable, problem_responses
from services.interop.access import FINANCE, FROM_PAYMENTS, PARTNER_API, sees_platform
from services.interop.clients import local
from services.interop.exchanges.effects import effect
from services.interop.inbound.endpoints import PARTNER_ERRORS
from services.interop.inbound.route import AdmittedDep, SignedRoute
from services.interop.outbox.deliver import EffectRetry, enqueue
from services.interop.outbox.models import OutboundMessage
from services.interop.partners import repository as partners
from services.interop.partners.service import settlement_account
from services.interop.statements import service
from services.interop.statements.models import Statement
from services.interop.statements.service import PaymentConfirmation, StatementAnswer, StatementMessage

inbound = APIRouter(prefix="/interop/v1", tags=["partner-api"], route_class=SignedRoute, dependencies=[PARTNER_API])
router = APIRouter(prefix="/v1", tags=["statements"])


class StatementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    direction: str
    partner_code: str
    statement_ref: str
    period: str
    total_count: int
    total_fen: int
    confirmed_fen: int | None
    disputed_fen: int | None
    status: str
    lines: list[dict[str, Any]]
    disbursement_id: str | None
    paid_fen: int | None
    paid_at: datetime | None


@inbound.post("/statements", response_model=StatementAnswer, operation_id="partner_statement",
              summary="Your statement of what you advanced for our donors: each line confirmed or disputed",
              description="Totals must equal the lines (else 422). A line is confirmed when it names one of our "
                          "authorisations, settled with the same receipt and amount, not confirmed before. The "
                          "same `statement_ref` again gets the same answer.", responses=PARTNER_ERRORS)
async def receive_statement(body: StatementMessage, request: Request, admitted: AdmittedDep) -> StatementAnswer:
    # Every authorisation of this partner is checked, whatever month it was settled in.
    authorised = await local.call(request.app, "claims", "GET", "/v1/cross-province/authorisations",
                                  params={"partner": admitted.partner_code})
    if authorised.status_code != 200:
        raise ServiceUnavailable("claims could not list the authorisations; retry")
    async with request.app.state.sessionmaker() as session, session.begin():
        statement = await service.check_incoming(session, admitted.partner_code, body, authorised.json())
        return service.answer(statement)


@inbound.post("/payment-confirmations", response_model=StatementOut, operation_id="partner_payment_confirmation",
              summary="The donor province paid the confirmed total of one of our statements",
              responses=PARTNER_ERRORS | problem_responses(404))
async def payment_confirmation(body: PaymentConfirmation, request: Request, admitted: AdmittedDep) -> StatementOut:
    async with request.app.state.sessionmaker() as session, session.begin():
        statement = await service.by_ref(session, admitted.partner_code, "out", body.statement_ref, for_update=True)
        service.mark_paid(statement, body.amount_fen, body.payment_ref)
        return StatementOut.model_validate(statement)


class StatementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner: str = Field(max_length=32)
    period: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")


@router.post("/statements", response_model=StatementOut, status_code=status.HTTP_201_CREATED,
             operation_id="send_statement", dependencies=[FINANCE],
             summary="Send a partner our statement for a month: what our hospitals reduced for its donors",
             responses=problem_responses(401, 403, 404, 422, 503))
async def send_statement(body: StatementIn, request: Request, caller: CallerDep) -> StatementOut:
    app = request.app
    async with app.state.sessionmaker() as session:
        partner = await partners.get(session, body.partner)
    if partner is None or not sees_platform(caller, app.state.settings.provinces):
        raise NotFound(f"没有合作平台 {body.partner} (no such partner)", field="partner")
    start, end = service.month_bounds(body.period)
    found = await local.call(app, "claims", "GET", "/v1/cross-province/forwarded-reductions",
                             params={"partner": partner.code, "date_from": start.isoformat(),
                                     "date_to": end.isoformat()})
    lines = found.json()
    if not lines:
        raise Unprocessable(f"{body.period} 没有为 {partner.code} 垫付的直免 (nothing to claim for that month)",
                            field="period")
    statement, message = service.outgoing(partner.code, body.period, lines)
    async with app.state.sessionmaker() as session, session.begin():
        session.add(statement)
        enqueue(session, app.state.cipher, partner_code=partner.code, case_key=f"statement:{statement.statement_ref}",
                kind="statement", method="POST", path="/statements", payload=message.model_dump(mode="json"),
                receiver_province=partner.provinces[0], context={"statement_ref": statement.statement_ref})
    return StatementOut.model_validate(statement)


@router.get("/statements", response_model=list[StatementOut], operation_id="list_statements",
            dependencies=[FINANCE], summary="Statements with partners, both ways, newest first",
            responses=problem_responses(401, 403))
async def list_statements(request: Request, caller: CallerDep, session: SessionDep,
                          partner: Annotated[str | None, Query(max_length=32)] = None) -> list[StatementOut]:
    if not sees_platform(caller, request.app.state.settings.provinces):
        return []  # another province's finance: the platform's statements are not theirs
    stmt = select(Statement).order_by(Statement.created_at.desc()).limit(200)
    if partner:
        stmt = stmt.where(Statement.partner_code == partner)
    return [StatementOut.model_validate(s) for s in (await session.execute(stmt)).scalars()]


@router.post("/statements/{statement_id}/pay", response_model=StatementOut, operation_id="pay_statement",
             dependencies=[FINANCE],
             summary="Pay a partner's statement's confirmed total (once; funding source interop)",
             responses=problem_responses(401, 403, 404, 409, 422, 503))
async def pay_statement(statement_id: uuid.UUID, request: Request, caller: CallerDep) -> StatementOut:
    app = request.app
    async with app.state.sessionmaker() as session:
        statement = await session.get(Statement, statement_id)
        if statement is None or not sees_platform(caller, app.state.settings.provinces):
            raise NotFound("没有这份结算清单 (no such statement)")
        service.request_payment(statement)
        partner = await partners.get(session, statement.partner_code)
        account = settlement_account(partner, app.state.cipher) if partner else None
    if account is None:
        raise Unprocessable("合作方未登记收款账户 (the partner has no settlement account)", field="settlement_account")
    paid = await local.call(app, "payments", "POST", "/v1/disbursements",
                            idempotency_key=f"interop-statement:{statement.id}", json={
                                "source_ref": f"interop:statement:{statement.id}",
                                "province": service.app_province(app), "payee": account,
                                "amount_fen": statement.confirmed_fen,
                                "funding": [{"source": "interop", "amount_fen": statement.confirmed_fen}]})
    if paid.status_code not in (200, 201):
        raise Unprocessable(f"payments refused: {paid.text[:300]}", field="statement_id")
    async with app.state.sessionmaker() as session, session.begin():
        current = await session.get(Statement, statement_id, with_for_update=True)
        assert current is not None
        if current.status == "checked":
            current.status, current.disbursement_id = "payment_requested", str(paid.json()["id"])
        return StatementOut.model_validate(current)


class PaymentEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_id: str
    disbursement_id: str
    source_ref: str
    event: str
    amount_fen: int
    occurred_at: datetime | None = None


@router.post("/payment-events", operation_id="interop_payment_event", dependencies=[FROM_PAYMENTS],
             summary="Payments reports a statement payment's outcome; a success is confirmed to the partner",
             responses=problem_responses(401, 403, 404))
async def payment_event(body: PaymentEvent, request: Request) -> dict[str, str]:
    app = request.app
    try:
        statement_id = uuid.UUID(body.source_ref.removeprefix("interop:statement:"))
    except ValueError:
        raise NotFound(f"no statement for {body.source_ref}", field="source_ref") from None
    async with app.state.sessionmaker() as session, session.begin():
        statement = await session.get(Statement, statement_id, with_for_update=True)
        if statement is None:
            raise NotFound(f"no statement for {body.source_ref}", field="source_ref")
        if body.event == "succeeded" and service.mark_paid(statement, body.amount_fen, body.disbursement_id):
            partner = await partners.get(session, statement.partner_code)
            assert partner is not None
            enqueue(session, app.state.cipher, partner_code=partner.code,
                    case_key=f"statement:{statement.statement_ref}", kind="payment_confirmation", method="POST",
                    path="/payment-confirmations", receiver_province=partner.provinces[0],
                    payload=PaymentConfirmation(statement_ref=statement.statement_ref, amount_fen=body.amount_fen,
                                                paid_at=str(statement.paid_at),
                                                payment_ref=body.disbursement_id).model_dump())
        return {"status": statement.status}


@effect("statement")
async def statement_answered(app: FastAPI, row: OutboundMessage, status_code: int, body: Any) -> None:
    if status_code >= 300 or not isinstance(body, dict):
        return
    async with app.state.sessionmaker() as session, session.begin():
        try:
            statement = await service.by_ref(session, row.partner_code, "out", row.context["statement_ref"],
                                             for_update=True)
        except NotFound as exc:
            raise EffectRetry(str(exc)) from exc
        service.record_answer(statement, body)
