"""Valid resident ID numbers (GB 11643) for tests, with the platform's own check character."""

from __future__ import annotations

from kit.idnumbers import check_character


def resident_id(birth: str = "19800101", area: str = "110105", seq: int = 1) -> str:
    body = f"{area}{birth}{seq:03d}"
    return body + check_character(body)


def with_wrong_check_digit(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("0" if last != "0" else "1")
