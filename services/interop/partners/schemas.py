from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PROVINCE = r"^[0-9]{2}$"


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_id: str = Field(pattern=r"^[A-Za-z0-9._:-]{3,64}$", description="the partner's keyid, as it signs with it")
    public_key_pem: str = Field(min_length=40, max_length=2000, description="Ed25519 public key (PEM, SPKI)")
    valid_from: datetime | None = Field(None, description="default: now")
    valid_until: datetime | None = None

    @field_validator("public_key_pem")
    @classmethod
    def _ed25519(cls, value: str) -> str:
        from services.interop.signatures.httpsig import load_public_key

        try:
            load_public_key(value)
        except ValueError as exc:
            raise ValueError(f"不是有效的 Ed25519 公钥 (not an Ed25519 public key: {exc})") from None
        return value


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    account_name: str = Field(min_length=1, max_length=64)
    account_number: str = Field(pattern=r"^[0-9 ]{8,40}$")
    bank_name: str = Field(min_length=1, max_length=128)


class PartnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "code": "zj", "name": "浙江省血费减免平台", "provinces": ["33"], "base_url": "https://xuefei.zj.example.cn",
        "keys": [{"key_id": "33-20261202-k1",
                  "public_key_pem": "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n"}],
        "settlement_account": {"account_name": "浙江省血液中心", "account_number": "33050161234500000001",
                               "bank_name": "中国建设银行杭州分行"}}]})

    code: str = Field(pattern=r"^[a-z][a-z0-9-]{1,31}$")
    name: str = Field(min_length=1, max_length=128)
    provinces: list[str] = Field(min_length=1, max_length=40)
    base_url: str = Field(pattern=r"^https?://[^\s/]+(:[0-9]+)?(/[^\s]*)?$", max_length=256)
    keys: list[KeyIn] = Field(min_length=1, max_length=10)
    settlement_account: AccountIn | None = Field(None, description="where we pay this partner's statements")

    @field_validator("provinces")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        import re

        bad = [p for p in value if not re.match(PROVINCE, p)]
        if bad:
            raise ValueError(f"province codes are two digits (GB/T 2260): {bad}")
        if len(set(value)) != len(value):
            raise ValueError("each province once")
        return value


class KeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key_id: str
    public_key_pem: str
    valid_from: datetime
    valid_until: datetime | None
    retired_at: datetime | None
    state: Literal["valid", "not_yet_valid", "expired", "retired"]


class PartnerOut(BaseModel):
    code: str
    name: str
    provinces: list[str]
    base_url: str
    status: Literal["active", "suspended"]
    settlement_account_masked: str | None
    keys: list[KeyOut]
    created_at: datetime
    updated_at: datetime


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=500)


class OwnKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key_id: str
    public_key_pem: str
    status: Literal["pending", "active", "retired"]
    created_at: datetime
    activated_at: datetime | None


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    actor: str
    action: str
    partner_code: str | None
    key_id: str | None
    detail: dict[str, object] | None
