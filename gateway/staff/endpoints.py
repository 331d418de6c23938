from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import ratelimit
from gateway.staff import permissions, repository, service
from gateway.staff.accounts import StaffAccounts
from gateway.staff.auth import StaffDep, staff_with_roles
from gateway.staff.models import StaffUser
from gateway.staff.schemas import MeOut, PasswordReset, StaffUserCreate, StaffUserOut, StaffUserUpdate, TokenResponse
from gateway.staff.tokens import StaffTokens
from kit.db import SessionDep
from kit.identity import Caller
from kit.paging import PagingDep, paged
from kit.problems import problem_responses

router = APIRouter(prefix="/ops/v1", tags=["staff"])
AdminDep = Annotated[Caller, staff_with_roles("admin")]


def _out(user: object) -> StaffUserOut:
    return StaffUserOut.model_validate(
        {**{k: getattr(user, k) for k in ("username", "roles", "province", "hospital_code", "created_at")},
         "disabled": user.disabled_at is not None}
    )


def _forget_on_commit(request: Request, session: AsyncSession, username: str) -> None:
    """Tokens end at once: this replica forgets the account as the change commits (the others when
    PostgreSQL notifies them, gateway/staff/accounts.py)."""
    accounts: StaffAccounts = request.app.state.staff_accounts
    accounts.forget_on_commit(session, username)


@router.post(
    "/auth/token", response_model=TokenResponse, operation_id="staff_login",
    summary="Staff sign-in (OAuth2 password form)",
    description="The same 401 for an unknown user, a wrong password and a disabled account. Failures lock "
                "the username for a while from the address they came from only; each address has a "
                "per-minute limit (429 with Retry-After).",
    responses=problem_responses(401, 422, 429),
)
async def login(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenResponse:
    state = request.app.state
    user = await service.authenticate(state.sessionmaker, state.settings, form.username, form.password,
                                      ratelimit.client_ip(request))
    tokens: StaffTokens = state.staff_tokens
    return TokenResponse(access_token=tokens.issue(user.username, user.token_version), expires_in=tokens.ttl_s)


@router.post("/auth/logout", operation_id="staff_logout", summary="Sign out: every token of this account ends at once",
             responses=problem_responses(401))
async def logout(request: Request, caller: StaffDep, session: SessionDep) -> dict[str, bool]:
    await service.sign_out(session, caller.subject, request_id=request.state.request_id)
    _forget_on_commit(request, session, caller.subject)
    return {"signed_out": True}


@router.get("/me", response_model=MeOut, operation_id="staff_me",
            summary="The signed-in staff member, with the ops routes they may call", responses=problem_responses(401))
async def me(request: Request, caller: StaffDep, session: SessionDep) -> MeOut:
    user = await repository.get_by_username(session, caller.subject)
    return MeOut(**_out(user).model_dump(), routes=permissions.allowed(permissions.table_of(request.app), caller))


@router.post(
    "/users", response_model=StaffUserOut, status_code=status.HTTP_201_CREATED, operation_id="staff_create",
    summary="Create a staff account (admin)", responses=problem_responses(401, 403, 409, 422),
)
async def create_user(request: Request, body: StaffUserCreate, caller: AdminDep, session: SessionDep) -> StaffUserOut:
    user = await service.create_user(session, body, actor=caller.subject,
                                     request_id=request.state.request_id)
    return _out(user)


@router.get("/users", response_model=list[StaffUserOut], operation_id="staff_list",
            summary="List staff accounts (admin), by username",
            responses={**paged(), **problem_responses(401, 403, 422)})
async def list_users(caller: AdminDep, session: SessionDep, page: PagingDep) -> list[StaffUserOut]:
    return [_out(u) for u in await page.fetch(session, repository.users(), [StaffUser.username])]


@router.put(
    "/users/{username}", response_model=StaffUserOut, operation_id="staff_update",
    summary="Change a staff account's roles, province and hospital (admin); audited",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def update_user(request: Request, username: str, body: StaffUserUpdate, caller: AdminDep,
                      session: SessionDep) -> StaffUserOut:
    user = await service.update_user(session, username, body, actor=caller.subject,
                                     request_id=request.state.request_id)
    _forget_on_commit(request, session, username)
    return _out(user)


@router.post(
    "/users/{username}/disable", response_model=StaffUserOut, operation_id="staff_disable",
    summary="Disable a staff account (admin); its tokens stop working at once",
    responses=problem_responses(401, 403, 404, 409),
)
async def disable_user(request: Request, username: str, caller: AdminDep, session: SessionDep) -> StaffUserOut:
    user = await service.disable_user(session, username, actor=caller.subject,
                                      request_id=request.state.request_id)
    _forget_on_commit(request, session, username)
    return _out(user)


@router.post(
    "/users/{username}/password", response_model=StaffUserOut, operation_id="staff_reset_password",
    summary="Set a new password (admin); every token of the account ends at once",
    responses=problem_responses(401, 403, 404, 422),
)
async def reset_password(request: Request, username: str, body: PasswordReset, caller: AdminDep,
                         session: SessionDep) -> StaffUserOut:
    user = await service.set_password(session, username, body.password, actor=caller.subject,
                                      request_id=request.state.request_id)
    _forget_on_commit(request, session, username)
    return _out(user)
