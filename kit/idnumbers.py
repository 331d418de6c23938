"""Certificate numbers (ID numbers), shared by every service that accepts them: validated
(GB 11643 via python-stdnum) with reasons a clerk can act on."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

CertType = Literal["resident_id", "passport", "hk_macau_permit", "taiwan_permit", "foreign_permanent_residence"]
_OTHER = re.compile(r"^[A-Z0-9]{5,20}$")


def check_cert_number(cert_type: str, value: str) -> str:
    """Return the normalised number or raise ValueError with a reason a clerk can act on."""
    value = value.strip().upper()
    if cert_type != "resident_id":
        if not _OTHER.match(value):
            raise ValueError("证件号码格式不正确 (certificate number: 5-20 letters or digits)")
        return value
    try:
        return str(ric.validate(value))
    except InvalidLength:
        raise ValueError("身份证号应为18位 (resident ID must have 18 characters)") from None
    except InvalidChecksum:
        raise ValueError("身份证号校验位错误 (resident ID check character is wrong)") from None
    except InvalidComponent:
        raise ValueError("身份证号中的出生日期无效 (resident ID birth date is not a real past date)") from None
    except (InvalidFormat, ValidationError):
        raise ValueError("身份证号格式不正确 (resident ID format is wrong)") from None


class CertificateIn(BaseModel):
    """A certificate as every API takes it: type and number, the number checked for its type."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    cert_type: CertType = "resident_id"
    cert_number: str = Field(min_length=1, max_length=32)

    @field_validator("cert_number")
    @classmethod
    def _valid_for_its_type(cls, value: str, info: ValidationInfo) -> str:
        return check_cert_number(info.data.get("cert_type", "resident_id"), value)
