"""Certificate numbers (ID numbers), shared by every service that accepts them: validated
(GB 11643 via python-stdnum) with reasons a clerk can act on."""

from __future__ import annotations

import functools
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError
from stdnum.util import isdigits

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
        return validate_resident_id(value)
    except InvalidLength:
        raise ValueError("身份证号应为18位 (resident ID must have 18 characters)") from None
    except InvalidChecksum:
        raise ValueError("身份证号校验位错误 (resident ID check character is wrong)") from None
    except InvalidComponent:
        raise ValueError("身份证号中的出生日期无效 (resident ID birth date is not a real past date)") from None
    except (InvalidFormat, ValidationError):
        raise ValueError("身份证号格式不正确 (resident ID format is wrong)") from None


def validate_resident_id(value: str) -> str:
    """`stdnum.cn.ric.validate`, with the birth-place lookup cached by (district, birth year): the
    lookup walks stdnum's district table and was most of the cost of checking a number."""
    number = ric.compact(value)
    if len(number) != 18:
        raise InvalidLength()
    if not isdigits(number[:-1]):
        raise InvalidFormat()
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidChecksum()
    if not _assigned_district(number[:6], ric.get_birth_date(number).year):
        raise InvalidComponent()
    return number


@functools.lru_cache(maxsize=8192)
def _assigned_district(district: str, year: int) -> bool:
    """Holds no ID number: only a district code and a year."""
    try:
        ric.get_birth_place(f"{district}{year:04d}01010000")
    except InvalidComponent:
        return False
    return True


class CertificateIn(BaseModel):
    """A certificate as every API takes it: type and number, the number checked for its type."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    cert_type: CertType = "resident_id"
    cert_number: str = Field(min_length=1, max_length=32)

    @field_validator("cert_number")
    @classmethod
    def _valid_for_its_type(cls, value: str, info: ValidationInfo) -> str:
        return check_cert_number(info.data.get("cert_type", "resident_id"), value)
