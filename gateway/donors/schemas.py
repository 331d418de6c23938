from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from kit.idnumbers import CertificateIn


class WxLoginIn(BaseModel):
    code: str = Field(min_length=1, max_length=128, description="wx.login() code")
    session: Literal["bearer", "cookie"] = Field(
        "bearer", description="bearer: the token in the body (API clients); cookie: only in an HttpOnly, "
                              "SameSite=Strict cookie the page's scripts cannot read (the browser client)")


class SessionOut(BaseModel):
    access_token: str | None = Field(description="the bearer token; null in cookie mode")
    token_type: str = "bearer"
    expires_in: int
    bound: bool


class BindStartIn(CertificateIn):
    name: str = Field(min_length=1, max_length=64)


class BindStartOut(BaseModel):
    challenge_id: uuid.UUID
    message: str


class BindVerifyIn(BaseModel):
    challenge_id: uuid.UUID
    code: str = Field(pattern=r"^[0-9]{6}$", description="the 6-digit SMS code")


class MeOut(BaseModel):
    bound: bool
    name: str | None
    cert_number_masked: str | None


class DevCodeIn(BaseModel):
    openid: str = Field(min_length=1, max_length=128, examples=["demo-donor"])


class DevSmsOut(BaseModel):
    phone_masked: str
    text: str
    sent_at: str
