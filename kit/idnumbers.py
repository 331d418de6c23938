"""Certificate numbers (ID numbers), shared by every surface that accepts them (import, quotes,
claims, sign-in binding, reduction notices, hospitals): one validator, reasons a clerk can act on.

A resident ID (居民身份证号, GB 11643-1999) is checked for what the number itself proves: 18
characters, 17 digits and a check character by ISO 7064 MOD 11-2, a real birth date that is not
in the future, and a province prefix (GB/T 2260) that exists. The six-digit region code is *not*
checked against the birth year, nor required to exist at all: people keep the code their ID was
issued under, codes have been created, merged and retired since the 1980s, and python-stdnum's
``cn.ric.validate`` refuses real IDs for exactly that (its issue #442: ``330106198001011171``,
Hangzhou 西湖区, a code from 1983, holder born 1980). An unknown region code is at most a note
for the reviewer (``region_note``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from kit import clock

CertType = Literal["resident_id", "passport", "hk_macau_permit", "taiwan_permit", "foreign_permanent_residence"]
_OTHER = re.compile(r"^[A-Z0-9]{5,20}$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
# GB/T 2260 province-level codes, plus 71 (Taiwan) and 81/82/83, the prefixes of the residence
# permits for Hong Kong, Macao and Taiwan residents, which follow GB 11643 too.
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})
# Nobody alive was born before this; an earlier "birth date" is a typing error.
EARLIEST_BIRTH = date(1880, 1, 1)


def check_character(first17: str) -> str:
    """The MOD 11-2 check character of the first 17 digits.

    The weights are 2^17 ... 2^1 mod 11 (7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2), and 13 = 2 (mod 11):
    the digits read as one number in base 13 are, modulo 11, the weighted sum halved, so int(first17,
    13) does in C what a loop over the digits would (tests/kit/test_idnumbers.py compares the two)."""
    if len(first17) != len(_WEIGHTS) or not first17.isdigit():
        raise ValueError(f"the check character needs {len(_WEIGHTS)} digits")
    return _CHECK_CHARS[2 * int(first17, 13) % 11]


def birth_date(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def check_resident_id(value: str, *, today: date | None = None) -> str:
    """The normalised number (upper case, no spaces) or ValueError naming the part that is wrong."""
    number = "".join(value.split()).upper()
    if len(number) != 18:
        raise ValueError("身份证号应为18位 (resident ID must have 18 characters)")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValueError("身份证号应为17位数字加1位数字或X (resident ID: 17 digits and a digit or X)")
    if number[17] != check_character(number[:17]):
        raise ValueError("身份证号校验位错误 (resident ID check character is wrong)")
    born = birth_date(number)
    if born is None or not EARLIEST_BIRTH <= born <= (today or clock.today()):
        raise ValueError("身份证号中的出生日期无效 (the birth date in the resident ID is not a real past date)")
    if number[:2] not in PROVINCE_CODES:
        raise ValueError("身份证号前两位不是有效的省级行政区划代码 (resident ID: unknown province code)")
    return number


def check_cert_number(cert_type: str, value: str, *, today: date | None = None) -> str:
    """Return the normalised number or raise ValueError with a reason a clerk can act on.
    `today` (default: the clock's) lets a batch read the clock once, not once per number."""
    if cert_type == "resident_id":
        return check_resident_id(value, today=today)
    value = value.strip().upper()
    if not _OTHER.match(value):
        raise ValueError("证件号码格式不正确 (certificate number: 5-20 letters or digits)")
    return value


def region_note(cert_type: str, number: str) -> str | None:
    """A note for the reviewer when the six-digit region code is in no edition of GB/T 2260 the
    platform knows; never a reason to refuse (the code may be older or newer than the table)."""
    if cert_type != "resident_id" or len(number) != 18 or number[:2] in ("71", "81", "82", "83"):
        return None
    from stdnum import numdb  # the region table python-stdnum ships, used as data only

    found = {k for _, props in numdb.get("cn/loc").info(number[:6]) for k in props}
    if "county" in found:
        return None
    return (f"身份证号地区码 {number[:6]} 不在已知行政区划代码表中（可能为早年或新设代码），请核对证件 "
            f"(region code {number[:6]} is not in the known GB/T 2260 table: check the ID document)")


class CertificateIn(BaseModel):
    """A certificate as every API takes it: type and number, the number checked for its type."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    cert_type: CertType = "resident_id"
    cert_number: str = Field(min_length=1, max_length=32)

    @field_validator("cert_number")
    @classmethod
    def _valid_for_its_type(cls, value: str, info: ValidationInfo) -> str:
        return check_cert_number(info.data.get("cert_type", "resident_id"), value)
