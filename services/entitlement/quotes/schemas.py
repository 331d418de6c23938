from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kit.idnumbers import CertificateIn
from services.entitlement.rules import RELATIONSHIPS


class Person(CertificateIn):
    model_config = ConfigDict(extra="ignore")  # callers may send the name too


class Item(BaseModel):
    product: str = Field(examples=["red_cells"], description="whole_blood, red_cells, washed_red_cells, "
                         "plasma, cryoprecipitate, platelets_apheresis")
    quantity: int = Field(gt=0, le=1000, description="units of the product (DOMAIN.md 5)")


def check_relationship(value: str) -> str:
    if value not in RELATIONSHIPS:
        raise ValueError(f"relationship must be one of {', '.join(RELATIONSHIPS)}")
    return value


class AdditionalDonor(BaseModel):
    """Another donor whose pool covers what the earlier ones left of the bill (DOMAIN 6.1)."""

    model_config = ConfigDict(extra="forbid")

    donor: Person
    relationship: str = Field(description="the beneficiary's relationship to this donor (self if the patient "
                                          f"is this donor); one of {', '.join(RELATIONSHIPS)}")

    @field_validator("relationship")
    @classmethod
    def _relationship(cls, value: str) -> str:
        return check_relationship(value)


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "province": "11", "donor": {"cert_type": "resident_id", "cert_number": "11010519491231002X"},
        "beneficiary": {"cert_type": "resident_id", "cert_number": "11010519491231002X"},
        "relationship": "self", "used_on": "2025-03-01", "usage_province": "11",
        "items": [{"product": "red_cells", "quantity": 2}], "blood_fee_fen": 88000}]})

    province: str = Field(pattern=r"^[0-9]{2}$", description="donation province: picks the rule set in force on used_on")
    donor: Person
    beneficiary: Person
    relationship: str = Field(description=f"one of {', '.join(RELATIONSHIPS)}")
    additional_donors: list[AdditionalDonor] = Field(
        default_factory=list, max_length=5,
        description="several donors on one bill (Beijing annex 1 rule 5): their pools are drawn in turn after "
                    "`donor`'s, each for what the bill still lacks, never beyond it. Same donation province.")
    used_on: date
    usage_province: str = Field(pattern=r"^[0-9]{2}$")
    items: list[Item] = Field(min_length=1, max_length=50)
    blood_fee_fen: int = Field(gt=0, description="the invoice's blood (transfusion) fee, integer fen")
    mutual_aid_fen: int = Field(0, ge=0, description="用血互助金 paid on the invoice: refunded as paid where the "
                                                      "rule set lists it for this place of use (DOMAIN 6.3)")
    paid_on: date | None = Field(None, description="payment date on the bill; gives `claim_deadline_on`")
    invoice_issued_on: date | None = Field(None, description="invoice date: the deadline counts from the earlier "
                                                             "of it and paid_on")
    covered_before_ml: int = Field(0, ge=0, description="mL of this bill already covered by earlier reductions")
    reduced_before_fen: int = Field(0, ge=0, description="supply cost of this bill already reduced before")
    mutual_aid_refunded_before_fen: int = Field(0, ge=0, description="mutual aid of this bill already refunded")

    @field_validator("relationship")
    @classmethod
    def _relationship(cls, value: str) -> str:
        return check_relationship(value)


class RuleSetVersionOut(BaseModel):
    id: str
    name: str
    effective_from: date
    effective_to: date | None = Field(description="the next version's first day (exclusive); null: in force")
    legal_reference: str
    confidence: str


class ClaimDeadlineOut(BaseModel):
    years: int
    anchor: str = Field(description="paid_on (the earlier of payment and invoice date) or used_on")
    source: str
    confidence: str
    placeholder: bool = Field(description="true: not found in the law; shown marked, intake only warns")
    text: str


class DonorPartOut(BaseModel):
    """One named donor's share of the bill, in the order drawn."""

    donor_cert_masked: str
    relationship: str
    pool: str
    unlimited: bool
    covered_ml: int
    supply_cost_fen: int
    mutual_aid_fen: int
    reducible_fen: int
    remaining_ml_before: int | None
    remaining_ml_after: int | None
    local_ml: int
    military_ml: int


class QuoteOut(BaseModel):
    reducible_fen: int = Field(description="supply_cost_fen + mutual_aid_fen, every donor together")
    supply_cost_fen: int = 0
    mutual_aid_fen: int = Field(0, description="用血互助金 refunded as paid; draws no quota")
    covered_ml: int
    used_ml: int
    pool: str = Field(description="the first donor's pool")
    unlimited: bool
    remaining_ml_before: int | None
    remaining_ml_after: int | None
    rule_set: str
    rule_set_version: RuleSetVersionOut | None = Field(None, description="the version in force on used_on")
    eligible_fee_fen: int
    local_ml: int
    military_ml: int
    covered_before_ml: int = 0
    rest_ml_after: int = Field(0, description="mL of the bill no one covers after this quote")
    donors: list[DonorPartOut] = Field(default_factory=list)
    claim_deadline_on: date | None = Field(
        None, description="the last day (inclusive, 民法典 202) a claim for this bill is in time, before a holiday "
                          "shift (203) that the claims service applies by its working-day calendar; when paid_on "
                          "is given")
    claim_deadline: ClaimDeadlineOut | None = None
    explanation: list[str]
