from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status

from kit.callers import allow
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.paging import PagingDep, paged
from kit.problems import problem_responses
from services.payments.disbursements import service
from services.payments.disbursements.schemas import (
    DisbursementIn,
    DisbursementOut,
    DisbursementSummary,
    FundingTotalsOut,
    PayeeCorrectionIn,
    State,
)

router = APIRouter(tags=["disbursements"])
FINANCE = ("finance", "admin")
KeyHeader = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=128)]
OptionalKeyHeader = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=128)]


# Money is owed by the claims service (claims, hospital statements) and the interop service
# (inter-province statements), each calling as itself; no person creates or redirects a
# disbursement (only claims redirects its own). Finance reads its own province's (admin: all).
OWER = allow(services=("claims", "interop"))
PAYER = allow(services=("claims",))
READER = allow(staff=FINANCE)


@router.post(
    "/v1/disbursements", response_model=DisbursementOut, status_code=status.HTTP_201_CREATED,
    operation_id="create_disbursement", summary="Owe a payee money: paid once, by the worker",
    description="Keyed by the `Idempotency-Key` header: the same key and body return the first "
                "disbursement (200); the same key with another body is a 409. A source (`claim:<id>`) "
                "has one live disbursement: another key for it is a 409 naming `source_ref`. Funding "
                "lines must add up to `amount_fen` (422 naming `funding`).",
    responses={200: {"model": DisbursementOut, "description": "replay of an earlier request"},
               **problem_responses(401, 403, 409, 422, 503)},
    dependencies=[OWER],
)
async def create_disbursement(request: Request, response: Response, body: DisbursementIn, key: KeyHeader,
                              caller: CallerDep, session: SessionDep) -> DisbursementOut:
    state = request.app.state
    d, created = await service.create(session, key, body, caller=caller, cipher=state.cipher,
                                      index=state.blind_index, enabled_channels=state.enabled_channels)
    if not created:
        response.status_code = status.HTTP_200_OK
    return service.detail(d)


@router.post(
    "/v1/disbursements/{disbursement_id}/payee", response_model=DisbursementOut,
    operation_id="correct_disbursement_payee",
    summary="Send a returned or failed transfer again, to a corrected account",
    description="Only when the state is `returned` or `failed` (else 409): a new attempt with a new merchant transfer "
                "number, back to `pending`. An optional `Idempotency-Key` makes a retried correction "
                "return the disbursement instead of a 409.",
    responses=problem_responses(401, 403, 404, 409, 422, 503), dependencies=[PAYER],
)
async def correct_payee(request: Request, disbursement_id: uuid.UUID, body: PayeeCorrectionIn, caller: CallerDep,
                        session: SessionDep, key: OptionalKeyHeader = None) -> DisbursementOut:
    d, _ = await service.correct_payee(session, disbursement_id, body, key, caller=caller,
                                       cipher=request.app.state.cipher)
    return service.detail(d)


@router.get(
    "/v1/disbursements", response_model=list[DisbursementSummary], operation_id="list_disbursements",
    summary="Disbursements by state, creation date (China time) and source, newest first",
    responses={**paged(), **problem_responses(401, 403, 422)}, dependencies=[READER],
)
async def list_disbursements(
    caller: CallerDep, session: SessionDep, page: PagingDep, state: State | None = None,
    source_ref: Annotated[str | None, Query(max_length=128)] = None,
    date_from: date | None = None, date_to: date | None = None,
) -> list[DisbursementSummary]:
    rows = await service.page(session, caller, page, state=state, source_ref=source_ref, date_from=date_from,
                              date_to=date_to)
    return [service.summary(d) for d in rows]


@router.get(
    "/v1/disbursements/{disbursement_id}", response_model=DisbursementOut, operation_id="get_disbursement",
    summary="One disbursement with every state change", responses=problem_responses(401, 403, 404),
    dependencies=[allow(staff=FINANCE, services=("claims",))],
)
async def get_disbursement(disbursement_id: uuid.UUID, caller: CallerDep, session: SessionDep) -> DisbursementOut:
    return service.detail(await service.get(session, disbursement_id, caller))


@router.get(
    "/v1/funding-totals", response_model=FundingTotalsOut, operation_id="funding_totals",
    summary="Paid amounts by funding source for a period (succeeded, by China date)",
    description="`total_fen` is summed from the disbursements and equals the sum of the per-source totals.",
    responses=problem_responses(401, 403, 422), dependencies=[READER],
)
async def funding_totals(caller: CallerDep, session: SessionDep, date_from: date, date_to: date) -> FundingTotalsOut:
    return await service.funding_totals(session, caller, date_from, date_to)
