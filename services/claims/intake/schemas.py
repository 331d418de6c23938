"""The claim JSON (a fixed contract) and what the API returns (masked)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kit.idnumbers import CertificateIn
from services.claims.invoices.key import normalise

Channel = Literal["online", "hospital", "counter", "mail"]
# The beneficiary's relationship to a donor. Adoptive and step relations count as parent and child
# wherever a rule set admits those (民法典 1111, 1072).
Relationship = Literal["self", "spouse", "parent", "child", "sibling", "grandparent", "spouse_parent",
                       "child_spouse", "adoptive_parent", "adoptive_child", "step_parent", "step_child"]


class PersonIn(CertificateIn):
    name: str = Field(min_length=1, max_length=64)
    phone: str | None = Field(None, pattern=r"^1[3-9][0-9]{9}$")


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product: str = Field(min_length=1, max_length=32, examples=["red_cells"])
    quantity: int = Field(gt=0, le=1000)


class UsageIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    hospital_name: str = Field(min_length=1, max_length=128)
    usage_province: str = Field(pattern=r"^[0-9]{2}$")
    used_on: date
    paid_on: date
    items: list[ItemIn] = Field(min_length=1, max_length=50)


def invoice_part(value: str) -> str:
    """Code and number as one key: NFKC, no whitespace, upper case (DOMAIN 6.1)."""
    normalised = normalise(value)
    if not normalised:
        raise ValueError("不能为空 (must not be empty)")
    if len(normalised) > 32:  # NFKC may expand a character (㍻ -> 平成)
        raise ValueError("不能超过32个字符 (at most 32 characters)")
    return normalised


class InvoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=32, description="票据代码; stored normalised (NFKC, no spaces, "
                                                              "upper case): `１３０ 100` is `130100`")
    number: str = Field(min_length=1, max_length=32, description="票据号码, normalised like the code")
    check_code: str | None = Field(None, max_length=32, description="校验码")
    issued_on: date
    total_fen: int = Field(gt=0)
    blood_fee_fen: int = Field(gt=0, description="输血费用 on the invoice: the cap of any reduction")
    mutual_aid_fen: int = Field(0, ge=0, description="用血互助金 paid on the invoice (DOMAIN 6.3): refunded as paid "
                                                      "where the donation province's rules list it")

    @field_validator("code", "number")
    @classmethod
    def _one_key(cls, value: str) -> str:
        return invoice_part(value)


class PayeeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    account_name: str = Field(min_length=1, max_length=64)
    account_number: str = Field(description="bank card, 15-19 digits (spaces allowed)")
    bank_name: str = Field(min_length=1, max_length=64)

    @field_validator("account_number")
    @classmethod
    def _digits(cls, value: str) -> str:
        digits = value.replace(" ", "")
        if not digits.isdigit() or not 15 <= len(digits) <= 19:
            raise ValueError("银行卡号应为15-19位数字 (bank card number: 15-19 digits)")
        return digits


class AdditionalDonorIn(PersonIn):
    """Another donor of the same donation province whose pool covers what the earlier ones leave."""

    relationship: Relationship = Field(description="the beneficiary's relationship to this donor")


class AgentIn(PersonIn):
    phone: str = Field(pattern=r"^1[3-9][0-9]{9}$")  # 代办人 must be reachable


class PayeeRelativeIn(CertificateIn):
    """The relative a deceased donor's money is paid to (已故献血者的领款亲属)."""

    name: str = Field(min_length=1, max_length=64)
    relationship: Relationship = Field(description="the relative's relationship to the donor")


class PayeeRelativeOut(BaseModel):
    name: str
    relationship: str
    cert_type: str
    cert_number_masked: str


EXAMPLE = {
    "province": "11", "channel": "counter",
    "donor": {"cert_type": "resident_id", "cert_number": "11010519491231002X", "name": "张三", "phone": "13812345678"},
    "beneficiary": {"cert_type": "resident_id", "cert_number": "11010519491231002X", "name": "张三"},
    "relationship": "self", "kinship_evidence": None, "agent": None, "donor_deceased": False,
    "usage": {"hospital_name": "河北医科大学第二医院", "usage_province": "13", "used_on": "2026-10-01",
              "paid_on": "2026-10-08", "items": [{"product": "red_cells", "quantity": 2}]},
    "invoice": {"code": "130100226", "number": "00012345", "check_code": "a1b2c3", "issued_on": "2026-10-08",
                "total_fen": 1250000, "blood_fee_fen": 88000},
    "payee": {"account_name": "张三", "account_number": "6222021234567891234", "bank_name": "中国工商银行"},
}


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    province: str = Field(pattern=r"^[0-9]{2}$", description="donation province: its rules, its station reviews")
    channel: Channel | None = Field(None, description="set by the surface: online (client) or counter/mail/hospital (staff)")
    donor: PersonIn
    beneficiary: PersonIn
    relationship: Relationship
    additional_donors: list[AdditionalDonorIn] = Field(
        default_factory=list, max_length=5,
        description="several donors on one bill (DOMAIN 6.1, Beijing annex 1 rule 5): e.g. the patient is the "
                    "parent of `donor` and the spouse of another donor. Their pools are drawn in turn after "
                    "`donor`'s, up to the bill; a claim with only `donor` is as before")
    kinship_evidence: Literal["document", "pledge"] | None = None
    agent: AgentIn | None = None
    donor_deceased: bool = False
    payee_relative: PayeeRelativeIn | None = Field(
        None, description="a deceased donor only: the relative who is paid; `payee.account_name` must be theirs")
    usage: UsageIn
    invoice: InvoiceIn
    payee: PayeeIn
    postmarked_on: date | None = Field(None, description="mail channel: the postmark date staff read on the "
                                                         "envelope; the deadline is judged on it (邮寄报销)")


class PersonOut(BaseModel):
    cert_type: str
    cert_number_masked: str
    name: str
    phone_masked: str | None


class AdditionalDonorOut(BaseModel):
    cert_type: str
    cert_number_masked: str
    name: str
    relationship: str


class PayeeOut(BaseModel):
    account_name: str
    account_number_masked: str
    bank_name: str


class DocumentOut(BaseModel):
    id: uuid.UUID
    kind: str
    media_type: str
    size_bytes: int
    uploaded_at: datetime


class ClaimOut(BaseModel):
    id: uuid.UUID
    reference: str
    status: str
    province: str
    channel: str
    donor: PersonOut
    beneficiary: PersonOut
    relationship: str
    additional_donors: list[AdditionalDonorOut] = []
    kinship_evidence: str | None
    agent: dict[str, str | None] | None
    donor_deceased: bool
    payee_relative: PayeeRelativeOut | None = None
    usage: UsageIn
    postmarked_on: date | None = None
    invoice: dict[str, object]
    payee: PayeeOut
    requested_fen: int
    eligible_fen: int | None
    approved_fen: int | None
    paid_fen: int | None
    rule_set: str | None
    donors_drawn: list[dict[str, object]] = Field(default_factory=list, description="each donor's share, in order")
    claim_deadline_on: date | None = Field(None, description="last day in time, holidays shifted (民法典 202-203)")
    explanation: list[str]
    warnings: list[str]
    submitted_on: date | None
    due_on: date | None
    decision_reason_code: str | None
    decision_note: str | None
    approved_on: date | None = None
    pay_due_on: date | None = Field(None, description="paid by this day (10 working days after approval)")
    attention_reason: str | None = Field(None, description="needs_attention: why a senior reviewer must look")
    payment_error: str | None = Field(None, description="payment_failed: the bank's reason; correct the payee")
    missing_documents: list[str]
    documents: list[DocumentOut]
    created_at: datetime
    forwarded_to: str | None = Field(None, description="the partner platform deciding this claim (跨省转办)")
    partner_reference: str | None = Field(None, description="the claim's reference at that partner")
    partner_status: str | None = Field(None, description="the partner's latest status for it")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"decision": "approve", "approved_fen": None, "reason_code": None, "note": "材料齐全，同意报销"}]})

    decision: Literal["approve", "reject", "request_info"]
    approved_fen: int | None = Field(None, ge=0, description="approve: defaults to eligible; may be lower, never higher")
    reason_code: str | None = Field(None, max_length=64)
    note: str = Field("", max_length=2000)


class EventOut(BaseModel):
    at: datetime
    actor: str
    actor_kind: str
    role: str | None
    channel: str
    request_id: str | None
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None
