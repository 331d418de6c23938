"""One resident-ID validator (kit/idnumbers.py): what GB 11643 proves, and nothing about whether the
region code existed in the birth year (DOMAIN 3; python-stdnum issue #442)."""

from __future__ import annotations

import random
from datetime import date

import pytest
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent, ValidationError

from kit.idnumbers import check_cert_number, check_character, check_resident_id, region_note
from tests.support.people import resident_id, with_wrong_check_digit

HANGZHOU_XIHU_1980 = "330106198001011171"  # 西湖区 code from 1983, holder born 1980 (issue 13 "Why")


def test_the_hangzhou_id_stdnum_refuses_is_accepted() -> None:
    """Issue 13 "Why": refused everywhere with "birth date is not a real past date" because stdnum
    checks that 330106 existed in 1980. The number is valid: check character 1, born 1980-01-01."""
    assert not ric.is_valid(HANGZHOU_XIHU_1980)  # the library's region-vs-year check
    assert check_resident_id(HANGZHOU_XIHU_1980) == HANGZHOU_XIHU_1980
    assert region_note("resident_id", HANGZHOU_XIHU_1980) is None  # a code the table knows


@pytest.mark.parametrize(("area", "birth", "why"), [
    ("110103", "19850101", "崇文区, retired in 2010 (merged into 东城区); people keep their number"),
    ("110104", "19900615", "宣武区, retired in 2010 (merged into 西城区)"),
    ("320103", "19700101", "白下区 (code assigned from 1983): stdnum refuses a 1970 birth"),
    ("340881", "19800101", "桐城市 (code from 1996): an ID re-issued under the new code"),
])
def test_retired_and_later_region_codes_are_accepted(area: str, birth: str, why: str) -> None:
    number = resident_id(birth, area)
    assert check_resident_id(number) == number, why


def test_an_unknown_region_code_is_a_note_for_the_reviewer_never_a_refusal() -> None:
    number = resident_id("19800101", "119988")
    assert check_resident_id(number) == number
    note = region_note("resident_id", number)
    assert note is not None and "119988" in note and "请核对" in note


@pytest.mark.parametrize(("number", "reason"), [
    ("33010619800101117", "18位"),
    ("33010619800101117Y", "17位数字加1位数字或X"),
    (with_wrong_check_digit(HANGZHOU_XIHU_1980), "校验位"),
    (resident_id("19800230"), "出生日期"),  # 30 February
    (resident_id("18790101"), "出生日期"),
    (resident_id("19800101", "990101"), "省级行政区划代码"),
])
def test_what_the_number_proves_is_checked_and_named(number: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_resident_id(number)


def test_a_birth_date_after_today_is_refused() -> None:
    tomorrow_born = resident_id("20300101")
    with pytest.raises(ValueError, match="出生日期"):
        check_resident_id(tomorrow_born, today=date(2029, 12, 31))
    assert check_resident_id(tomorrow_born, today=date(2030, 1, 1)) == tomorrow_born


def test_spaces_and_a_lower_case_x_are_normalised() -> None:
    number = resident_id("19491231", "110105", seq=2)
    spaced = f"{number[:6]} {number[6:14]} {number[14:]}".lower()
    assert check_cert_number("resident_id", spaced) == number


def test_the_check_character_is_iso_7064_mod_11_2() -> None:
    # DOMAIN 3: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, map 10X98765432.
    assert check_character("11010519491231002") == "X"
    assert check_character(HANGZHOU_XIHU_1980[:17]) == "1"
    for not_seventeen_digits in ("1101051949123100", "110105194912310021", "1101051949123100A", "1101051949123100 "):
        with pytest.raises(ValueError):
            check_character(not_seventeen_digits)


def test_the_check_character_is_the_weighted_sum_of_the_digits() -> None:
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    assert weights == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    rng = random.Random(11643)
    for _ in range(20_000):
        digits = "".join(rng.choice("0123456789") for _ in range(17))
        weighted = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
        assert check_character(digits) == "10X98765432"[weighted % 11]


def outcome(check, number: str) -> str:  # noqa: ANN001
    try:
        return check(number)
    except ValueError:
        return "refused"


def stdnum_outcome(number: str) -> str:
    """python-stdnum's verdict, with its region-vs-birth-year check told apart (the one difference)."""
    try:
        return str(ric.validate(number))
    except (InvalidComponent, KeyError):  # KeyError: stdnum's table has the code, but not as a county
        try:
            ric.get_birth_date(number)
        except InvalidComponent:
            return "refused"
        return "region"
    except ValidationError:
        return "refused"


def test_the_validator_agrees_with_stdnum_but_for_the_region_check() -> None:
    """Issue 16 compared a cached copy of stdnum's check with stdnum itself; issue 13 dropped the
    region-vs-birth-year check, so over valid and damaged numbers the two must now agree on every
    number except those stdnum refuses for the region alone, which are accepted (a real past
    birth date and a known province prefix given)."""
    rng = random.Random(16)
    numbers = []
    for _ in range(3000):
        area = rng.choice(("110105", "110108", "310104", "330106", "440221", "120101", "999999", "110199"))
        birth = f"{rng.randrange(1890, 2024)}{rng.randrange(1, 13):02d}{rng.randrange(1, 32):02d}"
        try:
            number = resident_id(birth, area=area, seq=rng.randrange(1, 999))
        except ValueError:
            continue
        if rng.random() < 0.5:  # damage one character: checksum, format, date or district
            k = rng.randrange(18)
            number = number[:k] + rng.choice("0123456789X") + number[k + 1:]
        numbers.append(number)
    assert len(numbers) > 1000
    kinds = set()
    for number in numbers:
        theirs, ours = stdnum_outcome(number), outcome(check_resident_id, number)
        kinds.add(theirs)
        if theirs == "region":
            prefix_known = number[:2] in ("11", "12", "31", "33", "44")
            assert ours == (number if prefix_known else "refused"), number
        else:
            assert ours == theirs, number
    assert kinds >= {"refused", "region"}  # both differences exercised
