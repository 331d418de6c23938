"""A stand-in for WeChat's `jscode2session` login API.

The real flow: the mini-program calls wx.login() and gets a one-time code; our server sends
appid + secret + code to WeChat and gets the user's openid. Here a test or the client's dev
panel asks `POST /sandbox/login-codes` for a code for a chosen openid; the gateway then calls
`GET /sns/jscode2session` exactly as it would call WeChat. Codes are single use and expire.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field

from fastapi import FastAPI, Query, Request, Response
from pydantic import BaseModel, Field

CODE_TTL_S = 300


@dataclass
class SandboxState:
    appid: str
    secret: str
    codes: dict[str, tuple[str, float]] = field(default_factory=dict)  # code -> (openid, expires)


class CodeIn(BaseModel):
    openid: str = Field(min_length=1, max_length=128, examples=["demo-donor"])


def create_app(appid: str = "wx-sandbox-appid", secret: str = "wx-sandbox-secret") -> FastAPI:
    app = FastAPI(title="WeChat SANDBOX (not WeChat)", description=__doc__)
    state = SandboxState(appid=appid, secret=secret)

    @app.middleware("http")
    async def mark_sandbox(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        response.headers["X-Sandbox"] = "wechat"
        return response

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "sandbox": "wechat"}

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready", "sandbox": "wechat"}

    @app.post("/sandbox/login-codes")
    async def issue_code(body: CodeIn) -> dict[str, str]:
        code = "sbx-" + secrets.token_urlsafe(12)
        state.codes[code] = (body.openid, time.monotonic() + CODE_TTL_S)
        return {"code": code}

    @app.get("/sns/jscode2session")
    async def jscode2session(appid: str = Query(""), secret: str = Query(""), js_code: str = Query(""),
                             grant_type: str = Query("")) -> dict[str, object]:
        # WeChat answers HTTP 200 with an errcode for every refusal.
        if appid != state.appid or secret != state.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if grant_type != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        entry = state.codes.pop(js_code, None)
        if entry is None or entry[1] < time.monotonic():
            return {"errcode": 40029, "errmsg": "invalid code"}
        return {"openid": entry[0], "session_key": secrets.token_urlsafe(16)}

    return app


def app_from_env() -> FastAPI:
    return create_app(os.environ.get("WECHAT_SANDBOX_APPID", "wx-sandbox-appid"),
                      os.environ.get("WECHAT_SANDBOX_SECRET", "wx-sandbox-secret"))
