"""The resident ID check with its cached district lookup says what python-stdnum says."""

from __future__ import annotations

import random

from stdnum.cn import ric

from kit.idnumbers import validate_resident_id
from tests.support.people import resident_id


def outcome(check, number: str) -> str:  # noqa: ANN001
    try:
        return check(number)
    except Exception as exc:  # the exception class is the verdict
        return type(exc).__name__


def test_the_cached_check_agrees_with_stdnum_on_valid_and_damaged_numbers() -> None:
    rng = random.Random(16)
    numbers = []
    for _ in range(3000):
        area = rng.choice(("110105", "110108", "310104", "330106", "440221", "120101", "999999", "110199"))
        birth = f"{rng.randrange(1890, 2030)}{rng.randrange(1, 13):02d}{rng.randrange(1, 32):02d}"
        try:
            number = resident_id(birth, area=area, seq=rng.randrange(1, 999))
        except (ValueError, KeyError):
            continue
        if rng.random() < 0.5:  # damage one character: checksum, format, date or district
            k = rng.randrange(18)
            number = number[:k] + rng.choice("0123456789X") + number[k + 1:]
        numbers.append(number)
    assert len(numbers) > 1000
    verdicts = [(outcome(ric.validate, n), outcome(validate_resident_id, n)) for n in numbers]
    assert all(a == b for a, b in verdicts)
    assert {a for a, _ in verdicts} >= {"InvalidChecksum", "InvalidComponent"}  # both kinds exercised
