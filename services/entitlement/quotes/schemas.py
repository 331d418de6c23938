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
    used_on: date
    usage_province: str = Field(pattern=r"^[0-9]{2}$")
    items: list[Item] = Field(min_length=1, max_length=50)
    blood_fee_fen: int = Field(gt=0, description="the invoice's blood (transfusion) fee, integer fen")
    mutual_aid_fen: int = Field(0, ge=0, description="用血互助金 charged, where a rule set refunds it")
    paid_on: date | None = Field(None, description="payment date on the bill; gives `claim_deadline_on`")

    @field_validator("relationship")
    @classmethod
    def _relationship(cls, value: str) -> str:
        if value not in RELATIONSHIPS:
            raise ValueError(f"relationship must be one of {', '.join(RELATIONSHIPS)}")
        return value


class QuoteOut(BaseModel):
    reducible_fen: int
    covered_ml: int
    used_ml: int
    pool: str
    unlimited: bool
    remaining_ml_before: int | None
    remaining_ml_after: int | None
    rule_set: str
    eligible_fee_fen: int
    local_ml: int
    military_ml: int
    claim_deadline_on: date | None = Field(
        None, description="first day a claim for this bill is too late (rule set's deadline), when paid_on is given")
    explanation: list[str]
