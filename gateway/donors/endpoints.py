from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, Query, Request, Response

from gateway import ratelimit
from gateway.donors import service
from gateway.donors.auth import COOKIE_PATH, SESSION_COOKIE, SignedInDep
from gateway.donors.schemas import (
    BindStartIn,
    BindStartOut,
    BindVerifyIn,
    DevCodeIn,
    DevSmsOut,
    MeOut,
    SessionOut,
    WxLoginIn,
)
from kit import http
from kit.db import SessionDep
from kit.problems import ServiceUnavailable, problem_responses

router = APIRouter(prefix="/api/v1", tags=["donor sign-in"])
dev_router = APIRouter(prefix="/api/v1/dev", tags=["SANDBOX dev panel"])
BIND_MESSAGE = "若姓名、证件号与献血档案一致，验证码已发送至档案预留的手机号 (if the details match our records, a code was sent)"


@router.post("/auth/wx-login", response_model=SessionOut, operation_id="wx_login",
             summary="Exchange a wx.login() code for a session", responses=problem_responses(401, 422, 429, 503))
async def wx_login(body: WxLoginIn, request: Request, response: Response, session: SessionDep) -> SessionOut:
    await ratelimit.hit(session, f"wx-login:ip:{ratelimit.client_ip(request)}", limit=30, window_s=60)
    await session.commit()
    openid = await request.app.state.wechat.code_to_openid(body.code)
    settings = request.app.state.settings
    token, account = await service.sign_in(session, openid, settings)
    bound = account.bound_at is not None
    if body.session == "cookie":
        secure = settings.session_cookie_secure or request.url.scheme == "https"
        response.set_cookie(SESSION_COOKIE, token, max_age=settings.donor_session_ttl_s, path=COOKIE_PATH,
                            httponly=True, samesite="strict", secure=secure)
        return SessionOut(access_token=None, expires_in=settings.donor_session_ttl_s, bound=bound)
    return SessionOut(access_token=token, expires_in=settings.donor_session_ttl_s, bound=bound)


@router.post("/auth/logout", operation_id="logout", summary="Sign out (the token stops working at once)",
             responses=problem_responses(401))
async def logout(signed_in: SignedInDep, response: Response, session: SessionDep) -> dict[str, bool]:
    await service.sign_out(session, signed_in[0])
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return {"signed_out": True}


@router.post("/auth/bind/start", response_model=BindStartOut, operation_id="bind_start",
             summary="Ask for an SMS code to the phone on the donor's records (same answer whether or not they match)",
             responses=problem_responses(401, 422, 429, 503))
async def bind_start(body: BindStartIn, request: Request, signed_in: SignedInDep, session: SessionDep) -> BindStartOut:
    state = request.app.state
    challenge_id = await service.start_binding(
        session, signed_in[1], name=body.name, cert_type=body.cert_type, cert_number=body.cert_number,
        client=state.clients["entitlement"], signer=state.signer, sms=state.sms, cipher=state.cipher,
        index=state.blind_index, settings=state.settings)
    return BindStartOut(challenge_id=challenge_id, message=BIND_MESSAGE)


@router.post("/auth/bind/verify", response_model=MeOut, operation_id="bind_verify",
             summary="Prove the identity with the SMS code", responses=problem_responses(401, 422))
async def bind_verify(body: BindVerifyIn, request: Request, signed_in: SignedInDep, session: SessionDep) -> MeOut:
    state = request.app.state
    account = await service.verify_binding(session, signed_in[1], body.challenge_id, body.code, state.cipher,
                                           state.blind_index)
    return MeOut(bound=True, name=account.name, cert_number_masked=account.cert_masked)


@router.get("/me", response_model=MeOut, operation_id="me", summary="Who is signed in",
            responses=problem_responses(401))
async def me(signed_in: SignedInDep) -> MeOut:
    account = signed_in[1]
    return MeOut(bound=account.bound_at is not None, name=account.name, cert_number_masked=account.cert_masked)


@dev_router.post("/wx-code", operation_id="dev_wx_code",
                 summary="SANDBOX: a wx.login() code for a test user, from the WeChat sandbox")
async def dev_wx_code(body: DevCodeIn, request: Request) -> dict[str, str]:
    try:
        response = await http.send(request.app.state.wechat_http, "POST", "/sandbox/login-codes",
                                   json={"openid": body.openid})
    except httpx.TransportError as exc:
        raise ServiceUnavailable("微信沙箱未启动 (WeChat sandbox is not running)") from exc
    return {"code": response.json()["code"]}


@dev_router.get("/sms", response_model=list[DevSmsOut], operation_id="dev_sms",
                summary="SANDBOX: the latest messages the SMS sandbox delivered (phones masked)",
                responses=problem_responses(503))
async def dev_sms(request: Request, limit: Annotated[int, Query(ge=1, le=50)] = 10) -> list[DevSmsOut]:
    try:
        response = await http.send(request.app.state.sms_http, "GET", "/sandbox/messages", params={"limit": limit})
    except httpx.TransportError as exc:
        raise ServiceUnavailable("短信沙箱未启动 (SMS sandbox is not running)") from exc
    if response.status_code != 200:
        raise ServiceUnavailable("短信沙箱未启动 (SMS sandbox is not running)")
    return [DevSmsOut(phone_masked=m["phone_masked"], text=m["text"], sent_at=m["sent_at"]) for m in response.json()]
