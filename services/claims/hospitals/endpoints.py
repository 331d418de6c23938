from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from sqlalchemy import select

from kit.callers import allow, province_scope
from kit.crypto import mask_bank_account
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.paging import PagingDep, paged
from kit.problems import Conflict, NotFound, problem_responses
from services.claims.audit import service as audit
from services.claims.hospitals.models import ACCOUNT_CONTEXT, Hospital
from services.claims.hospitals.schemas import AccountIn, HospitalIn, HospitalOut
from services.claims.reductions import statements

router = APIRouter(prefix="/v1/hospitals", tags=["hospitals"])
HospitalCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{3,32}$", description="the hospital's registered code")]


def hospital_out(h: Hospital) -> HospitalOut:
    return HospitalOut(code=h.code, name=h.name, province=h.province, district_office=h.district_office,
                       military=h.military, account_name=h.account_name, account_number_masked=h.account_masked,
                       bank_name=h.bank_name)


@router.post("", response_model=HospitalOut, status_code=status.HTTP_201_CREATED, operation_id="register_hospital",
             summary="Register a hospital for direct reduction (admin)", responses=problem_responses(401, 403, 409, 422),
             dependencies=[allow(staff=("admin",))])
async def register(body: HospitalIn, request: Request, caller: CallerDep, session: SessionDep) -> HospitalOut:
    if await session.get(Hospital, body.code) is not None:
        raise Conflict(f"医院编码 {body.code} 已登记 (hospital code already registered)", field="code")
    hospital = Hospital(
        code=body.code, name=body.name, province=body.province, district_office=body.district_office,
        military=body.military, account_name=body.account_name, bank_name=body.bank_name,
        account_encrypted=request.app.state.cipher.encrypt(body.account_number, context=ACCOUNT_CONTEXT),
        account_masked=mask_bank_account(body.account_number), created_by=caller.subject)
    session.add(hospital)
    return hospital_out(hospital)


# Finance sees its own province's hospitals; admin all; the gateway looks one up to issue credentials.
READERS = allow(staff=("admin", "finance"), services=("gateway",))


@router.get("", response_model=list[HospitalOut], operation_id="list_hospitals", summary="Registered hospitals",
            responses={**paged(), **problem_responses(401, 403, 422)}, dependencies=[READERS])
async def list_hospitals(caller: CallerDep, session: SessionDep, page: PagingDep) -> list[HospitalOut]:
    stmt = select(Hospital)
    if (province := province_scope(caller)) is not None:
        stmt = stmt.where(Hospital.province == province)
    return [hospital_out(h) for h in await page.fetch(session, stmt, [Hospital.code])]


@router.put("/{code}/account", response_model=HospitalOut, operation_id="correct_hospital_account",
            summary="Correct a hospital's account (admin); statements whose payment failed are paid again to it",
            description="Every statement of the hospital in `payment_failed` returns to `approved` and its "
                        "disbursement goes out again, as a new attempt, to the corrected account (audited).",
            responses=problem_responses(401, 403, 404, 422), dependencies=[allow(staff=("admin",))])
async def correct_account(code: HospitalCode, body: AccountIn, request: Request, caller: CallerDep,
                          session: SessionDep) -> HospitalOut:
    hospital = await session.get(Hospital, code, with_for_update=True)
    if hospital is None:
        raise NotFound(f"no hospital {code!r}", field="code")
    before = hospital.account_masked
    hospital.account_name, hospital.bank_name = body.account_name, body.bank_name
    hospital.account_encrypted = request.app.state.cipher.encrypt(body.account_number, context=ACCOUNT_CONTEXT)
    hospital.account_masked = mask_bank_account(body.account_number)
    retried = await statements.retry_failed_payments(session, hospital, body.reason)
    audit.record(session, _HospitalRef(code), caller, "hospital_account_corrected", reason=body.reason,
                 detail={"from": before, "to": hospital.account_masked, "statements_paid_again": [
                     str(s.id) for s in retried]})
    return hospital_out(hospital)


@dataclass(frozen=True)
class _HospitalRef:
    """The audit trail is kept per aggregate id; a hospital's is derived from its code."""

    code: str

    @property
    def id(self) -> uuid.UUID:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"xuefei:hospital:{self.code}")


@router.get("/{code}", response_model=HospitalOut, operation_id="get_hospital", summary="One hospital",
            responses=problem_responses(401, 403, 404), dependencies=[READERS])
async def get_hospital(code: str, caller: CallerDep, session: SessionDep) -> HospitalOut:
    hospital = await session.get(Hospital, code)
    province = province_scope(caller)
    if hospital is None or (province is not None and hospital.province != province):
        raise NotFound(f"no hospital {code!r}", field="code")
    return hospital_out(hospital)
