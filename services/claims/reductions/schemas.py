from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kit.idnumbers import CertificateIn
from services.claims.intake.schemas import ItemIn, Relationship, invoice_part


class PersonIn(CertificateIn):
    name: str = Field(min_length=1, max_length=64)


class AdditionalDonorIn(PersonIn):
    relationship: Relationship = Field(description="the patient's relationship to this donor")


class KinshipEvidenceIn(BaseModel):
    kind: Literal["pledge", "document"]
    reference: str | None = Field(None, max_length=128, description="document number or scan reference")


class InvoiceRef(BaseModel):
    code: str = Field(min_length=1, max_length=32, description="票据代码, normalised (NFKC, no spaces, upper case)")
    number: str = Field(min_length=1, max_length=32, description="票据号码, normalised like the code")

    @field_validator("code", "number")
    @classmethod
    def _one_key(cls, value: str) -> str:
        return invoice_part(value)


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "province": "11", "patient": {"cert_type": "resident_id", "cert_number": "110105195601010438", "name": "张父"},
        "donor": {"cert_type": "resident_id", "cert_number": "110105198503120215", "name": "张三"},
        "relationship": "parent", "kinship_evidence": {"kind": "pledge"}, "used_on": "2026-11-20",
        "items": [{"product": "red_cells", "quantity": 2}], "blood_fee_fen": 46000}]})

    province: str = Field(pattern=r"^[0-9]{2}$", description="the donor's donation province")
    patient: PersonIn
    donor: PersonIn
    relationship: Relationship
    additional_donors: list[AdditionalDonorIn] = Field(
        default_factory=list, max_length=5,
        description="several donors on one bill (DOMAIN 6.1, Beijing annex 1 rule 5): their pools are drawn in turn "
                    "after `donor`'s, up to the bill; the notice holds each one's share")
    kinship_evidence: KinshipEvidenceIn | None = None
    used_on: date
    items: list[ItemIn] = Field(min_length=1, max_length=50)
    blood_fee_fen: int = Field(gt=0, description="blood fee so far on the bill")
    mutual_aid_fen: int = Field(0, ge=0, description="用血互助金 charged on the bill (DOMAIN 6.3)")
    invoice: InvoiceRef | None = Field(None, description="if already known: its earlier reductions are taken off "
                                                         "(a fully covered invoice is refused naming what covered it)")


class NoticeOut(BaseModel):
    eligible: bool
    notice_no: str | None = None
    status: str | None = None
    max_reducible_fen: int = 0
    valid_until: date | None = None
    reason: str | None = Field(None, description="why nothing is reducible, in words for the patient")
    explanation: list[str] = []
    patient_cert_masked: str | None = None
    donor_cert_masked: str | None = None
    additional_donors: list[dict[str, str]] = []
    mutual_aid_fen: int = 0
    reduced_fen: int | None = None
    receipt_no: str | None = None


class SettlementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    receipt_no: str = Field(min_length=1, max_length=64, description="收费收据编号 (idempotency key)")
    settled_on: date
    items: list[ItemIn] = Field(min_length=1, max_length=50)
    blood_fee_fen: int = Field(gt=0)
    reduced_fen: int = Field(ge=0, description="supply cost and mutual aid taken off the bill together")
    invoice: InvoiceRef


class CorrectionIn(BaseModel):
    reason: str = Field(min_length=2, max_length=500)


class StatementIn(BaseModel):
    period: str = Field(pattern=r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2]|H1|H2)$",
                        description="2026-10, or 2026-H1 for military")
