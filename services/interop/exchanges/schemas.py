"""The partner API's message bodies: the wire contract between provinces (contracts/interop/).
Field names are English; amounts are integer fen; dates ISO; enums lower_snake."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kit.idnumbers import CertificateIn

Relationship = Literal["self", "spouse", "parent", "child", "sibling", "grandparent", "spouse_parent",
                       "child_spouse", "adoptive_parent", "adoptive_child"]
ClaimStatus = Literal["received", "submitted", "under_review", "needs_more_info", "awaiting_second_review",
                      "approved", "payee_correction", "paid", "rejected", "withdrawn"]


class Person(CertificateIn):
    name: str = Field(min_length=1, max_length=64)


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product: str = Field(min_length=1, max_length=32, examples=["red_cells"])
    quantity: int = Field(gt=0, le=1000)


class BloodUse(BaseModel):
    """One named blood use (一次用血): where, when, what, and the bill's blood fee."""

    model_config = ConfigDict(extra="forbid")

    hospital_name: str = Field(min_length=1, max_length=128)
    usage_province: str = Field(pattern=r"^[0-9]{2}$")
    used_on: date
    items: list[Item] = Field(min_length=1, max_length=50)
    blood_fee_fen: int = Field(gt=0)
    mutual_aid_fen: int = Field(0, ge=0, description="用血互助金 charged on the bill (DOMAIN 6.3)")


class LookupIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "consent_ref": "ZJ-CONSENT-2026-000123", "purpose": "claim",
        "donor": {"cert_type": "resident_id", "cert_number": "110105198503120215", "name": "张三"},
        "beneficiary": {"cert_type": "resident_id", "cert_number": "110105198503120215", "name": "张三"},
        "relationship": "self",
        "use": {"hospital_name": "浙江大学医学院附属第一医院", "usage_province": "33", "used_on": "2026-10-20",
                "items": [{"product": "red_cells", "quantity": 2}], "blood_fee_fen": 46000}}]})

    consent_ref: str = Field(min_length=4, max_length=128,
                             description="the case's consent evidence (授权同意书) held by the sender; required")
    purpose: Literal["claim", "direct_reduction", "mutual_aid"] = "claim"
    donor: Person
    beneficiary: Person
    relationship: Relationship
    use: BloodUse


class LookupSummary(BaseModel):
    donor_province: str
    rule_set: str | None
    pool: str | None = Field(None, description="self or relatives")
    unlimited: bool = False
    remaining_ml_before: int | None = None
    remaining_ml_after: int | None = None


class LookupQuote(BaseModel):
    reducible_fen: int
    covered_ml: int
    used_ml: int
    eligible_fee_fen: int
    explanation: list[str]


class LookupOut(BaseModel):
    eligible: bool
    reason: str | None = Field(None, description="why not, in words for the applicant")
    summary: LookupSummary | None = None
    quote: LookupQuote | None = None


class DocumentRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=32, examples=["invoice"])
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="sent before with PUT /documents/{sha256}")


class Invoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32)
    number: str = Field(min_length=1, max_length=32)
    check_code: str | None = Field(None, max_length=32)
    issued_on: date
    total_fen: int = Field(gt=0)
    blood_fee_fen: int = Field(gt=0)


class Payee(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_name: str = Field(min_length=1, max_length=64)
    account_number: str = Field(pattern=r"^[0-9]{15,19}$")
    bank_name: str = Field(min_length=1, max_length=64)


class ForwardedClaimIn(BaseModel):
    """A claim filed in the usage province for a donor of ours (the donation province decides)."""

    model_config = ConfigDict(extra="forbid")

    sender_claim_ref: str = Field(min_length=4, max_length=64, description="the sender's own claim reference; "
                                  "idempotency key of the case")
    consent_ref: str = Field(min_length=4, max_length=128)
    channel: str = Field("online", max_length=16, description="how the applicant filed it at the sender")
    donor: Person
    beneficiary: Person
    relationship: Relationship
    kinship_evidence: Literal["document", "pledge"] | None = None
    donor_deceased: bool = False
    donor_phone: str | None = Field(None, pattern=r"^1[3-9][0-9]{9}$")
    use: BloodUse
    paid_on: date
    invoice: Invoice
    payee: Payee
    documents: list[DocumentRef] = Field(min_length=1, max_length=20)


class ClaimState(BaseModel):
    """The donor province's view of a forwarded claim: answered, pushed and pollable."""

    sender_claim_ref: str
    claim_ref: str = Field(description="the donation province's claim reference")
    status: ClaimStatus
    seq: int = Field(description="increases with every change: a receiver ignores an older state")
    eligible_fen: int | None = None
    approved_fen: int | None = None
    paid_fen: int | None = None
    reason_code: str | None = None
    note: str | None = None
    due_on: date | None = None
    at: datetime


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=500)
