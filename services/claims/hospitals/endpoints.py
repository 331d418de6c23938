from __future__ import annotations

from fastapi import APIRouter, Request, status
from sqlalchemy import select

from kit.crypto import mask_bank_account
from kit.db import SessionDep
from kit.identity import CallerDep, require_roles
from kit.paging import PagingDep, paged
from kit.problems import Conflict, NotFound, problem_responses
from services.claims.hospitals.models import ACCOUNT_CONTEXT, Hospital
from services.claims.hospitals.schemas import HospitalIn, HospitalOut

router = APIRouter(prefix="/v1/hospitals", tags=["hospitals"])


def hospital_out(h: Hospital) -> HospitalOut:
    return HospitalOut(code=h.code, name=h.name, province=h.province, district_office=h.district_office,
                       military=h.military, account_name=h.account_name, account_number_masked=h.account_masked,
                       bank_name=h.bank_name)


@router.post("", response_model=HospitalOut, status_code=status.HTTP_201_CREATED, operation_id="register_hospital",
             summary="Register a hospital for direct reduction (admin)", responses=problem_responses(401, 403, 409, 422),
             dependencies=[require_roles("admin")])
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


@router.get("", response_model=list[HospitalOut], operation_id="list_hospitals", summary="Registered hospitals",
            responses={**paged(), **problem_responses(401, 403, 422)},
            dependencies=[require_roles("admin", "finance", "system")])
async def list_hospitals(session: SessionDep, page: PagingDep) -> list[HospitalOut]:
    return [hospital_out(h) for h in await page.fetch(session, select(Hospital), [Hospital.code])]


@router.get("/{code}", response_model=HospitalOut, operation_id="get_hospital", summary="One hospital",
            responses=problem_responses(401, 403, 404), dependencies=[require_roles("admin", "finance", "system")])
async def get_hospital(code: str, session: SessionDep) -> HospitalOut:
    hospital = await session.get(Hospital, code)
    if hospital is None:
        raise NotFound(f"no hospital {code!r}", field="code")
    return hospital_out(hospital)
