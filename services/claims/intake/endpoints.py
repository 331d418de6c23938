from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from kit import clock
from kit.callers import allow, province_scope, sees_province
from kit.db import SessionDep
from kit.identity import Caller, CallerDep
from kit.paging import PagingDep, paged
from kit.problems import Forbidden, Unprocessable, problem_responses
from services.claims.audit import service as audit
from services.claims.audit.models import ClaimEvent
from services.claims.intake import access, repository, service, submit
from services.claims.intake.deps import ClaimDep
from services.claims.intake.models import ACCOUNT, CERT, PHONE
from services.claims.intake.schemas import ClaimIn, ClaimOut, EventOut

router = APIRouter(prefix="/v1/claims", tags=["claims"])
# Which staff role registers on which channel: the counter and mail desks of a station, and
# hospital staff filing for a patient (医院代为申请).
STAFF_CHANNELS = {"counter": "station_operator", "mail": "station_operator", "hospital": "hospital_operator"}
# Object routes admit any staff member and the signed-in donor; the claim itself then decides
# (intake/access.py): staff of its province or who registered it, its donor and beneficiary.
CLAIM_PARTIES = allow(any_staff=True, donor=True)


def _channel(body: ClaimIn, caller: Caller) -> str:
    if caller.kind == "donor":
        return "online"
    channel = body.channel or "counter"
    role = STAFF_CHANNELS.get(channel)
    if role is None:
        raise Unprocessable("工作人员登记的渠道须为 counter、mail 或 hospital (staff register counter, mail or hospital)",
                            field="channel")
    if not caller.has_any(role, "admin"):
        raise Forbidden(f"渠道 {channel} 须由 {role} 登记 (channel {channel} is registered by {role})")
    return channel


async def _partner_decides(body: ClaimIn, caller: Caller, request: Request) -> bool:
    """Staff filing for another province's donor: a partner platform serves that donation province
    (the claim is forwarded to it at submit, 跨省转办)."""
    interop = request.app.state.interop
    if caller.kind != "staff" or interop is None or sees_province(caller, body.province):
        return False
    return await interop.partner_for(body.province) is not None


@router.post("", response_model=ClaimOut, status_code=status.HTTP_201_CREATED, operation_id="create_claim",
             summary="Start a claim (draft): online by the donor, counter/mail by station staff",
             description="Online (a signed-in donor), the donor must be the caller's bound identity; a relative is "
                         "the beneficiary, with kinship evidence. Staff register their own province's donors, and "
                         "another province's for blood used in theirs when a partner platform serves that donation "
                         "province (forwarded to it at submit). Anything else is a 403 that stores nothing.",
             responses=problem_responses(401, 403, 422, 503),
             dependencies=[allow(staff=("station_operator", "hospital_operator", "admin"), donor=True)])
async def create_claim(body: ClaimIn, request: Request, caller: CallerDep, session: SessionDep) -> ClaimOut:
    state = request.app.state
    partner_decides = await _partner_decides(body, caller, request)
    claim = await service.create(session, body, channel=_channel(body, caller), caller=caller,
                                 cipher=state.cipher, persons=state.person_index, partner_decides=partner_decides)
    return service.to_out(claim, [], state.cipher)


@router.get("", response_model=list[ClaimOut], operation_id="list_claims",
            summary="The review queue (staff, by due date) or the donor's own claims",
            responses={**paged(), **problem_responses(401, 403, 422)},
            dependencies=[allow(staff=access.STAFF_READERS, donor=True)])
async def list_claims(
    request: Request, caller: CallerDep, session: SessionDep, page: PagingDep,
    status_: Annotated[list[str] | None, Query(alias="status")] = None,
    province: Annotated[str | None, Query(pattern=r"^[0-9]{2}$")] = None,
    overdue: bool = False,
) -> list[ClaimOut]:
    if caller.kind == "donor":
        if not (caller.cert_type and caller.cert_index):
            return []
        stmt = repository.queue(statuses=status_, province=None, overdue_on=None,
                                party_index=(caller.cert_type, caller.cert_index))
    elif caller.kind == "staff" and caller.has_any(*access.STAFF_READERS):
        scope = province_scope(caller)
        if scope is not None:
            if province and province != scope:
                return []  # another province's queue is empty to this caller (no oracle)
            province = scope
        stmt = repository.queue(statuses=status_, province=province, overdue_on=clock.today() if overdue else None)
    else:
        raise Forbidden("this caller has no claims list")
    claims = await page.fetch(session, stmt, repository.QUEUE_ORDER)
    documents = await repository.documents_of(session, [c.id for c in claims])
    cipher = request.app.state.cipher
    return [service.to_out(c, documents[c.id], cipher) for c in claims]


@router.get("/{claim_id}", response_model=ClaimOut, operation_id="get_claim",
            summary="One claim, personal fields masked", responses=problem_responses(401, 403, 404),
            dependencies=[CLAIM_PARTIES])
async def get_claim(claim: ClaimDep, request: Request, session: SessionDep) -> ClaimOut:
    return service.to_out(claim, await repository.documents(session, claim.id), request.app.state.cipher)


@router.get("/{claim_id}/unmasked", operation_id="get_claim_unmasked",
            summary="The whole ID numbers, phones and card number, for a reviewer; every view is audited",
            responses=problem_responses(401, 403, 404, 422), dependencies=[allow(staff=access.REVIEWERS)])
async def get_claim_unmasked(claim: ClaimDep, request: Request, caller: CallerDep, session: SessionDep,
                             reason: Annotated[str, Query(min_length=2, max_length=200)]) -> dict[str, str | None]:
    access.require_reviewer_of(claim, caller)
    cipher = request.app.state.cipher
    audit.record(session, claim, caller, "viewed_unmasked", reason=reason)

    def plain(token: str | None, context: str) -> str | None:
        return cipher.decrypt(token, context=context) if token else None

    return {
        "donor_name": claim.donor_name,
        "beneficiary_name": claim.beneficiary_name,
        "payee_account_name": claim.payee_account_name,
        "donor_cert_number": plain(claim.donor_cert_encrypted, CERT),
        "donor_phone": plain(claim.donor_phone_encrypted, PHONE),
        "beneficiary_cert_number": plain(claim.beneficiary_cert_encrypted, CERT),
        "beneficiary_phone": plain(claim.beneficiary_phone_encrypted, PHONE),
        "payee_account_number": plain(claim.payee_account_encrypted, ACCOUNT),
    }


@router.get("/{claim_id}/history", response_model=list[EventOut], operation_id="claim_history",
            summary="Every change and unmasked view, oldest first",
            responses={**paged(), **problem_responses(401, 403, 404, 422)}, dependencies=[CLAIM_PARTIES])
async def claim_history(claim: ClaimDep, session: SessionDep, page: PagingDep) -> list[EventOut]:
    events = await page.fetch(session, audit.history_of(claim), [ClaimEvent.id])
    return [EventOut.model_validate(e, from_attributes=True) for e in events]


@router.post("/{claim_id}/submit", response_model=ClaimOut, operation_id="submit_claim",
             summary="Validate, quote and hold quota, start the 10-working-day clock (or resume after 补充材料)",
             responses=problem_responses(401, 403, 404, 409, 422, 503), dependencies=[CLAIM_PARTIES])
async def submit_claim(claim: ClaimDep, request: Request, caller: CallerDep, session: SessionDep) -> ClaimOut:
    state = request.app.state
    claim_id = claim.id
    await session.rollback()  # submit runs its own transactions; hold no lock while calling a peer
    deps = submit.SubmitDeps(sessionmaker=state.sessionmaker, entitlement=state.entitlement, cipher=state.cipher,
                             persons=state.person_index, working_days=state.settings.review_working_days,
                             guard_grace_s=state.settings.hold_guard_grace_s, interop=state.interop)
    await submit.submit(claim_id, caller, deps)
    async with state.sessionmaker() as fresh:
        current = await repository.get(fresh, claim_id)
        assert current is not None
        return service.to_out(current, await repository.documents(fresh, claim_id), state.cipher)
