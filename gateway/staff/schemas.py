from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    admin = "admin"
    station_operator = "station_operator"
    reviewer = "reviewer"
    senior_reviewer = "senior_reviewer"
    finance = "finance"
    hospital_operator = "hospital_operator"


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


class StaffUserCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [
            {"username": "bj_reviewer1", "password": "a long passphrase", "roles": ["reviewer"], "province": "11"}
        ]},
    )

    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    password: str = Field(min_length=10, max_length=256)
    roles: list[Role] = Field(min_length=1)
    province: str | None = Field(None, pattern=r"^[0-9]{2}$",
                                 description="GB/T 2260 code, e.g. 11; required for every role but admin")
    hospital_code: str | None = Field(None, max_length=32)


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=10, max_length=256)


class StaffUserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    roles: list[str]
    province: str | None
    hospital_code: str | None
    disabled: bool
    created_at: datetime


class StaffUserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"roles": ["reviewer", "senior_reviewer"], "province": "11", "hospital_code": None}]})

    roles: list[Role] = Field(min_length=1)
    province: str | None = Field(None, pattern=r"^[0-9]{2}$", description="GB/T 2260 code, e.g. 11")
    hospital_code: str | None = Field(None, max_length=32)


class MeOut(StaffUserOut):
    routes: list[str] = Field(description="every /ops/v1 route this account may call, as `METHOD /path`: the ops "
                                          "console shows a page only when its routes are here")
