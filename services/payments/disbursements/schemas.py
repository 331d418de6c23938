from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

ChannelName = Literal["bank_transfer", "alipay", "wechat_pay"]
State = Literal["pending", "sent", "succeeded", "failed", "returned"]
FUNDING_SOURCE = re.compile(r"^(local_fund|military_fund|interop|province:\d{2})$")
# Bank cards (a claim's payee) have 15-19 digits (DOMAIN 3); a hospital's corporate account
# (对公账户, a settlement's payee) 8-32. Cards are checked per source in the service.
ACCOUNT_DIGITS = re.compile(r"^\d{8,32}$")
CARD_DIGITS = re.compile(r"^\d{15,19}$")
SOURCE_REF = r"^(claim|settlement|statement|interop):[A-Za-z0-9._:-]{1,120}$"

PAYEE_EXAMPLE: dict[str, Any] = {"account_name": "张三", "account_number": "6222 0212 3456 7891 234",
                 "bank_name": "中国工商银行北京分行"}


class PayeeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    account_name: str = Field(min_length=1, max_length=64, description="户名: the card holder")
    account_number: str = Field(description="a bank card's 15-19 digits (a hospital's account: 8-32); spaces allowed",
                                examples=["6222 0212 3456 7891 234"])
    bank_name: str = Field(min_length=1, max_length=128, description="开户行")

    @field_validator("account_number")
    @classmethod
    def _digits(cls, value: str) -> str:
        # Full-width digits from Chinese input methods are digits too; spaces are formatting.
        digits = "".join(unicodedata.normalize("NFKC", value).split())
        if not ACCOUNT_DIGITS.match(digits):
            raise ValueError("账号须为8-32位数字，银行卡为15-19位 (account number: 8-32 digits, a card 15-19)")
        return digits


class FundingLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="`local_fund` (还血基金), `military_fund` (部队献血管理费), `interop` (an "
                        "inter-province statement, 省际结算) or `province:<code>`",
                        examples=["local_fund"])
    amount_fen: int = Field(ge=0, description="a zero line is accepted and not stored")

    @field_validator("source")
    @classmethod
    def _known(cls, value: str) -> str:
        if not FUNDING_SOURCE.match(value):
            raise ValueError("must be local_fund, military_fund, interop or province:<2-digit code>")
        return value


class DisbursementIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "source_ref": "claim:0b7f6c1e-4a59-4b4e-9f7e-6c2d1f0a9b11", "province": "11", "payee": PAYEE_EXAMPLE,
        "amount_fen": 44000, "funding": [{"source": "local_fund", "amount_fen": 33000},
                                         {"source": "military_fund", "amount_fen": 11000}],
        "channel": "bank_transfer"}]})

    source_ref: str = Field(pattern=SOURCE_REF, description="what is being paid, e.g. `claim:<uuid>`")
    province: str = Field(pattern=r"^\d{2}$", description="GB/T 2260 code of the paying province")
    payee: PayeeIn
    amount_fen: int = Field(gt=0, le=10**12)
    funding: list[FundingLineIn] = Field(min_length=1, max_length=10,
                                         description="cost split by fund; must add up to amount_fen (DOMAIN 8.4)")
    channel: ChannelName = "bank_transfer"

    @field_validator("funding")
    @classmethod
    def _funding_adds_up(cls, lines: list[FundingLineIn], info: ValidationInfo) -> list[FundingLineIn]:
        sources = [line.source for line in lines]
        if len(set(sources)) != len(sources):
            raise ValueError("每个经费来源只能出现一次 (each funding source may appear once)")
        amount = info.data.get("amount_fen")
        total = sum(line.amount_fen for line in lines)
        if amount is not None and total != amount:
            raise ValueError(f"经费来源合计 {total} 分，与付款金额 {amount} 分不符 "
                             f"(funding lines add up to {total} fen, not amount_fen {amount})")
        return lines


class PayeeCorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payee: PayeeIn
    reason: str = Field(min_length=1, max_length=500, examples=["申请人更正收款账户"])


class PayeeOut(BaseModel):
    account_name: str = Field(description="masked (张*)")
    account_number_masked: str = Field(examples=["6222 **** **** 1234"])
    bank_name: str


class FundingLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    source: str
    amount_fen: int


class HistoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    from_state: State | None
    to_state: State
    attempt: int
    reason: str
    actor: str


class DisbursementSummary(BaseModel):
    id: uuid.UUID
    source_ref: str
    province: str
    channel: ChannelName
    state: State
    amount_fen: int
    payee: PayeeOut
    funding: list[FundingLineOut]
    attempt: int
    merchant_transfer_no: str
    send_tries: int = Field(description="sends of the current attempt so far")
    last_error: str | None = Field(description="why the last send or query did not get an answer")
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class DisbursementOut(DisbursementSummary):
    history: list[HistoryOut]


class FundingTotal(BaseModel):
    source: str
    amount_fen: int
    disbursements: int


class FundingTotalsOut(BaseModel):
    date_from: date
    date_to: date
    totals: list[FundingTotal]
    total_fen: int = Field(description="sum of succeeded disbursements' amounts; equals the sum of `totals`")
    disbursements: int
