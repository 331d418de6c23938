from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


def account_digits(value: str) -> str:
    digits = value.replace(" ", "")
    if not digits.isdigit() or not 8 <= len(digits) <= 32:
        raise ValueError("对公账号应为8-32位数字 (account number: 8-32 digits)")
    return digits


class HospitalIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "code": "H110105001", "name": "北京朝阳医院", "province": "11", "district_office": "朝阳区献血办",
        "military": False, "account_name": "首都医科大学附属北京朝阳医院", "account_number": "0200001409014412345",
        "bank_name": "中国工商银行北京朝阳支行"}]})

    code: str = Field(pattern=r"^[A-Za-z0-9-]{3,32}$")
    name: str = Field(min_length=2, max_length=128)
    province: str = Field(pattern=r"^[0-9]{2}$")
    district_office: str = Field(min_length=2, max_length=64)
    military: bool = False
    account_name: str = Field(min_length=2, max_length=128)
    account_number: str
    bank_name: str = Field(min_length=2, max_length=64)

    _digits = field_validator("account_number")(lambda value: account_digits(value))


class AccountIn(BaseModel):
    """A hospital's corrected account: statements whose payment failed go out again to it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    account_name: str = Field(min_length=2, max_length=128)
    account_number: str
    bank_name: str = Field(min_length=2, max_length=64)
    reason: str = Field(min_length=2, max_length=500, examples=["医院对公账户变更"])

    _digits = field_validator("account_number")(lambda value: account_digits(value))


class HospitalOut(BaseModel):
    code: str
    name: str
    province: str
    district_office: str
    military: bool
    account_name: str
    account_number_masked: str
    bank_name: str
