"""Valid resident ID numbers (GB 11643) for tests, built with python-stdnum's check digit."""

from __future__ import annotations

from stdnum.cn import ric


def resident_id(birth: str = "19800101", area: str = "110105", seq: int = 1) -> str:
    body = f"{area}{birth}{seq:03d}"
    # calc_check_digit expects the number with a placeholder check character at the end.
    return body + ric.calc_check_digit(body + "0")


def with_wrong_check_digit(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("0" if last != "0" else "1")
