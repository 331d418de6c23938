from __future__ import annotations

from typing import Any


def record(no: str, cert: str, *, donated_on: str = "2020-05-01", volume_ml: int | None = 400,
           station: str = "110000-BJBC", province: str = "11", name: str = "张三", military: bool = False,
           kind: str = "whole_blood", units: int | None = None, qualified: bool = True,
           phone: str | None = None) -> dict[str, Any]:
    row = {"donation_no": no, "station_code": station, "cert_type": "resident_id", "cert_number": cert,
           "name": name, "province": province, "military": military, "donated_on": donated_on,
           "kind": kind, "volume_ml": volume_ml, "units": units, "qualified": qualified}
    if phone:
        row["phone"] = phone
    return row


def quote_body(donor: str, *, beneficiary: str | None = None, relationship: str = "self",
               used_on: str = "2025-03-01", items: list[dict[str, Any]] | None = None,
               blood_fee_fen: int = 88000, province: str = "11") -> dict[str, Any]:
    return {"province": province, "donor": {"cert_type": "resident_id", "cert_number": donor},
            "beneficiary": {"cert_type": "resident_id", "cert_number": beneficiary or donor},
            "relationship": relationship, "used_on": used_on, "usage_province": province,
            "items": items or [{"product": "red_cells", "quantity": 2}], "blood_fee_fen": blood_fee_fen}
