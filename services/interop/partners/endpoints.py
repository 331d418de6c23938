"""Admin routes of the partner directory (gateway: /ops/v1/interop/..., role admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from kit.db import SessionDep
from kit.identity import CallerDep
from kit.problems import problem_responses
from services.interop.access import ADMIN
from services.interop.partners import repository, service
from services.interop.partners.schemas import AuditOut, KeyIn, OwnKeyOut, PartnerIn, PartnerOut, ReasonIn

router = APIRouter(prefix="/v1", tags=["partners"], dependencies=[ADMIN])


@router.post("/partners", response_model=PartnerOut, status_code=status.HTTP_201_CREATED,
             operation_id="register_partner", summary="Register a partner platform with its provinces and keys",
             responses=problem_responses(401, 403, 409, 422))
async def register_partner(body: PartnerIn, request: Request, caller: CallerDep, session: SessionDep) -> PartnerOut:
    state = request.app.state
    return await service.register(session, body, caller, state.cipher, state.settings.provinces)


@router.get("/partners", response_model=list[PartnerOut], operation_id="list_partners",
            summary="Every partner with its keys and their state", responses=problem_responses(401, 403))
async def list_partners(session: SessionDep) -> list[PartnerOut]:
    return [service.out(p, await repository.keys_of(session, p.code)) for p in await repository.all_partners(session)]


@router.get("/partners/{code}", response_model=PartnerOut, operation_id="get_partner", summary="One partner",
            responses=problem_responses(401, 403, 404))
async def get_partner(code: str, session: SessionDep) -> PartnerOut:
    partner = await service.partner_of(session, code)
    return service.out(partner, await repository.keys_of(session, code))


@router.post("/partners/{code}/keys", response_model=PartnerOut, status_code=status.HTTP_201_CREATED,
             operation_id="add_partner_key",
             summary="Add a partner's new public key (rotation: both keys are valid until the old one is retired)",
             responses=problem_responses(401, 403, 404, 409, 422))
async def add_partner_key(code: str, body: KeyIn, caller: CallerDep, session: SessionDep) -> PartnerOut:
    return await service.add_key(session, code, body, caller)


@router.post("/partners/{code}/keys/{key_id}/retire", response_model=PartnerOut, operation_id="retire_partner_key",
             summary="Retire a partner key: messages signed with it are refused from now on",
             responses=problem_responses(401, 403, 404, 422))
async def retire_partner_key(code: str, key_id: str, body: ReasonIn, caller: CallerDep,
                             session: SessionDep) -> PartnerOut:
    return await service.retire_key(session, code, key_id, body.reason, caller)


@router.post("/partners/{code}/suspend", response_model=PartnerOut, operation_id="suspend_partner",
             summary="Suspend a partner: its messages are refused and nothing is sent to it",
             responses=problem_responses(401, 403, 404, 422))
async def suspend_partner(code: str, body: ReasonIn, caller: CallerDep, session: SessionDep) -> PartnerOut:
    return await service.set_status(session, code, "suspended", body.reason, caller)


@router.post("/partners/{code}/resume", response_model=PartnerOut, operation_id="resume_partner",
             summary="Resume a suspended partner; what waited in the outbox is sent",
             responses=problem_responses(401, 403, 404, 422))
async def resume_partner(code: str, body: ReasonIn, caller: CallerDep, session: SessionDep) -> PartnerOut:
    return await service.set_status(session, code, "active", body.reason, caller)


@router.get("/own-keys", response_model=list[OwnKeyOut], operation_id="list_own_keys",
            summary="Our signing keys (public halves)", responses=problem_responses(401, 403))
async def list_own_keys(session: SessionDep) -> list[OwnKeyOut]:
    return [service.own_key_out(k) for k in await repository.own_keys(session)]


@router.post("/own-keys", response_model=OwnKeyOut, status_code=status.HTTP_201_CREATED,
             operation_id="create_own_key",
             summary="Generate a new signing key (pending): give its public key to every partner, then activate",
             responses=problem_responses(401, 403))
async def create_own_key(request: Request, caller: CallerDep, session: SessionDep) -> OwnKeyOut:
    state = request.app.state
    return service.own_key_out(await service.create_own_key(session, state.settings.provinces[0], caller,
                                                            state.cipher))


@router.post("/own-keys/{key_id}/activate", response_model=OwnKeyOut, operation_id="activate_own_key",
             summary="Sign with this key from now on (the previous one is retired)",
             responses=problem_responses(401, 403, 404, 409))
async def activate_own_key(key_id: str, caller: CallerDep, session: SessionDep) -> OwnKeyOut:
    return service.own_key_out(await service.activate_own_key(session, key_id, caller))


@router.get("/audit", response_model=list[AuditOut], operation_id="interop_audit",
            summary="Directory and key changes, newest first", responses=problem_responses(401, 403))
async def audit_trail(session: SessionDep, partner: Annotated[str | None, Query(max_length=32)] = None,
                      limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[AuditOut]:
    return [AuditOut.model_validate(e) for e in await repository.audit_trail(session, partner, limit)]
