from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from gateway.staff import repository, service
from gateway.staff.auth import StaffDep, staff_with_roles
from gateway.staff.models import StaffUser
from gateway.staff.schemas import StaffUserCreate, StaffUserOut, TokenResponse
from gateway.staff.tokens import StaffTokens
from kit.db import SessionDep
from kit.identity import Caller
from kit.paging import PagingDep, paged
from kit.problems import Unauthorized, problem_responses

router = APIRouter(prefix="/ops/v1", tags=["staff"])
AdminDep = Annotated[Caller, staff_with_roles("admin")]


def _out(user: object) -> StaffUserOut:
    return StaffUserOut.model_validate(
        {**{k: getattr(user, k) for k in ("username", "roles", "province", "hospital_code", "created_at")},
         "disabled": user.disabled_at is not None}
    )


@router.post(
    "/auth/token", response_model=TokenResponse, operation_id="staff_login",
    summary="Staff sign-in (OAuth2 password form)", responses=problem_responses(401, 422, 429),
)
async def login(
    request: Request, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> TokenResponse:
    try:
        user = await service.authenticate(session, request.app.state.settings, form.username, form.password)
    except (Unauthorized, service.TooManyAttempts):
        await session.commit()  # keep the failure count even though the request fails
        raise
    tokens: StaffTokens = request.app.state.staff_tokens
    return TokenResponse(access_token=tokens.issue(user.username), expires_in=tokens.ttl_s)


@router.get("/me", response_model=StaffUserOut, operation_id="staff_me", summary="The signed-in staff member")
async def me(caller: StaffDep, session: SessionDep) -> StaffUserOut:
    user = await repository.get_by_username(session, caller.subject)
    return _out(user)


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


@router.post(
    "/users/{username}/disable", response_model=StaffUserOut, operation_id="staff_disable",
    summary="Disable a staff account (admin); its tokens stop working at once",
    responses=problem_responses(401, 403, 404, 409),
)
async def disable_user(request: Request, username: str, caller: AdminDep, session: SessionDep) -> StaffUserOut:
    user = await service.disable_user(session, username, actor=caller.subject,
                                      request_id=request.state.request_id)
    return _out(user)
