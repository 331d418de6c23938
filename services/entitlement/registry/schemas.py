from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from kit import clock
from kit.idnumbers import CertificateIn, CertType, check_cert_number

EXAMPLE_RECORD = {
    "donation_no": "BJ2024000123", "station_code": "110000-BJBC", "cert_type": "resident_id",
    "cert_number": "11010519491231002X", "name": "张三", "province": "11", "military": False,
    "donated_on": "2024-05-01", "kind": "whole_blood", "volume_ml": 400, "units": None, "qualified": True,
}


def _today(info: ValidationInfo) -> date:
    """Today, as the batch being validated read it once (`context={"today": ...}`), else the clock's."""
    context = info.context
    return context["today"] if context and "today" in context else clock.today()


class DonationRecordIn(BaseModel):
    """One row of a station's export. A bad row is rejected alone (registry.service._validated)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    donation_no: str = Field(min_length=1, max_length=64)
    station_code: str = Field(min_length=1, max_length=32)
    cert_type: CertType = "resident_id"
    cert_number: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)
    province: str = Field(pattern=r"^[0-9]{2}$")
    military: bool = False
    donated_on: date
    kind: Literal["whole_blood", "platelet_apheresis"]
    volume_ml: int | None = None
    units: int | None = None
    qualified: bool = True
    phone: str | None = Field(None, pattern=r"^1[3-9][0-9]{9}$", description="mobile on record (optional)")

    @field_validator("donated_on")
    @classmethod
    def _not_in_future(cls, value: date, info: ValidationInfo) -> date:
        if value > _today(info):
            raise ValueError("献血日期不能晚于今天 (donated_on is in the future)")
        return value

    @field_validator("cert_number")
    @classmethod
    def _cert(cls, value: str, info: ValidationInfo) -> str:
        return check_cert_number(info.data.get("cert_type", "resident_id"), value, today=_today(info))

    @model_validator(mode="after")
    def _measure(self) -> DonationRecordIn:
        if self.kind == "whole_blood" and (self.volume_ml not in (200, 300, 400) or self.units is not None):
            raise ValueError("whole_blood needs volume_ml 200, 300 or 400 and no units")
        if self.kind == "platelet_apheresis" and (self.units not in (1, 2) or self.volume_ml is not None):
            raise ValueError("platelet_apheresis needs units 1 or 2 and no volume_ml")
        return self


class DonationImport(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"records": [EXAMPLE_RECORD]}]})

    # Rows stay loose here so that one bad row is reported by index instead of failing the batch.
    records: list[dict[str, Any]] = Field(min_length=1, max_length=20_000)


class RejectedRow(BaseModel):
    index: int
    problem: str


class ImportResult(BaseModel):
    created: int
    unchanged: int
    rejected: list[RejectedRow]


class CertificateLookup(CertificateIn):
    """Whose e-certificate: the number travels in the body, never in a URL."""
