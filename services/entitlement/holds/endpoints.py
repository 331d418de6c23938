from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status

from kit import clock
from kit.callers import allow
from kit.crypto import FieldCipher
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.problems import problem_responses
from services.entitlement.holds import service
from services.entitlement.holds.models import Hold
from services.entitlement.holds.schemas import HoldIn, HoldOut, SettleIn

router = APIRouter(prefix="/v1/holds", tags=["holds"])
# Holds are placed, settled and read by the claims service only (claims and direct reductions),
# calling as itself: no person reaches them, whatever their role.
CLAIMS_ONLY = allow(services=("claims",))
KeyHeader = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=128)]


def _out(parts: list[Hold], cipher: FieldCipher) -> HoldOut:
    first = parts[0]
    # A lapsed hold reads as expired even before a write has marked it so.
    lapsed = first.state == "held" and first.expires_at is not None and first.expires_at <= clock.now()
    return HoldOut.of(parts, "expired" if lapsed else first.state, service.quote_of(first, cipher))  # type: ignore[arg-type]


@router.post(
    "", response_model=HoldOut, status_code=status.HTTP_201_CREATED, operation_id="place_hold",
    summary="Quote and reserve the covered mL against the donors' pools",
    description="Keyed by the `Idempotency-Key` header: the same key and body return the hold while it "
                "is live (200); once it has expired, been released or settled, the key answers 409 "
                "`hold-not-live` (a lapsed hold is never reported as placed: use a new key). The same key "
                "with another body is a 409. Nothing to reduce is a 409 `quota-exhausted` carrying the quote. "
                "Several donors (`quote.additional_donors`) hold one part each, in drawing order, and change "
                "state together. Without `ttl_hours` the hold has no expiry: it lives until committed or released.",
    responses={200: {"model": HoldOut, "description": "replay of an earlier request"},
               **problem_responses(401, 403, 404, 409, 422, 503)},
    dependencies=[CLAIMS_ONLY],
)
async def place_hold(request: Request, response: Response, body: HoldIn, key: KeyHeader,
                     caller: CallerDep, session: SessionDep) -> HoldOut:
    parts, created = await service.place(session, key, body, caller=caller,
                                         rule_sets=request.app.state.rule_sets,
                                         index=request.app.state.blind_index, cipher=request.app.state.cipher)
    if not created:
        response.status_code = status.HTTP_200_OK
    return _out(parts, request.app.state.cipher)


@router.get("/{key}", response_model=HoldOut, operation_id="get_hold", summary="One hold",
            responses=problem_responses(401, 403, 404), dependencies=[CLAIMS_ONLY])
async def get_hold(key: str, request: Request, session: SessionDep) -> HoldOut:
    return _out(await service.get(session, key), request.app.state.cipher)


@router.post("/{key}/commit", response_model=HoldOut, operation_id="commit_hold",
             summary="Consume the hold (claim approved, reduction settled); repeatable",
             responses=problem_responses(401, 403, 404, 409, 422), dependencies=[CLAIMS_ONLY])
async def commit_hold(key: str, body: SettleIn, request: Request, session: SessionDep) -> HoldOut:
    return _out(await service.commit(session, key, body), request.app.state.cipher)


@router.post("/{key}/release", response_model=HoldOut, operation_id="release_hold",
             summary="Return the held quota to the pool (rejected, withdrawn, cancelled); repeatable",
             responses=problem_responses(401, 403, 404, 409, 422), dependencies=[CLAIMS_ONLY])
async def release_hold(key: str, body: SettleIn, request: Request, session: SessionDep) -> HoldOut:
    return _out(await service.release(session, key, body), request.app.state.cipher)


@router.post("/{key}/reverse", response_model=HoldOut, operation_id="reverse_hold",
             summary="Give back consumed quota (a refunded bill after settlement), with a reason; repeatable",
             responses=problem_responses(401, 403, 404, 409, 422), dependencies=[CLAIMS_ONLY])
async def reverse_hold(key: str, body: SettleIn, request: Request, session: SessionDep) -> HoldOut:
    return _out(await service.reverse(session, key, body), request.app.state.cipher)
