from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from kit.idnumbers import CertType, check_cert_number


class WxLoginIn(BaseModel):
    code: str = Field(min_length=1, max_length=128, description="wx.login() code")


class SessionOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    bound: bool


class BindStartIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64)
    cert_type: CertType = "resident_id"
    cert_number: str = Field(min_length=1, max_length=32)

    @field_validator("cert_number")
    @classmethod
    def _cert(cls, value: str, info: ValidationInfo) -> str:
        return check_cert_number(info.data.get("cert_type", "resident_id"), value)


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
