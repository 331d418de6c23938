"""The import's validation of a batch, without a database: every bad row gets the reason it has
alone, the others keep their indexes, and the record digest stays what it was."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.entitlement.registry.schemas import DonationRecordIn
from services.entitlement.registry.service import DIGESTED_FIELDS, _problem_of, _validated, record_digest
from tests.entitlement.helpers import record
from tests.support.people import resident_id, with_wrong_check_digit

DONOR = resident_id("19800101")  # 110105198001010016
CERT_INDEX = "ab" * 32


def test_each_bad_row_is_rejected_with_its_own_reason_and_the_others_keep_their_index() -> None:
    records = [
        record("OK1", DONOR),
        record("BAD1", with_wrong_check_digit(DONOR)),
        record("BAD2", DONOR, volume_ml=250),
        record("BAD3", DONOR, donated_on="2999-01-01"),
        {"donation_no": "BAD4"},
        record("OK2", DONOR, kind="platelet_apheresis", volume_ml=None, units=2),
        {**record("BAD5", DONOR), "colour": "red"},
        record(" OK3 ", DONOR, phone="13812345678"),
        record("BAD6", DONOR, phone="12345"),
    ]
    valid, rejected = _validated(records)
    assert [(i, row.donation_no) for i, row in valid] == [(0, "OK1"), (5, "OK2"), (7, "OK3")]
    assert {r.index: r.problem for r in rejected} == {
        1: "cert_number: 身份证号校验位错误 (resident ID check character is wrong)",
        2: "whole_blood needs volume_ml 200, 300 or 400 and no units",
        3: "donated_on: 献血日期不能晚于今天 (donated_on is in the future)",
        4: "station_code: Field required; cert_number: Field required; name: Field required; "
           "province: Field required; donated_on: Field required; kind: Field required",
        6: "colour: Extra inputs are not permitted",
        8: "phone: String should match pattern '^1[3-9][0-9]{9}$'",
    }
    # The same reasons as validating each row on its own.
    for index, problem in ((r.index, r.problem) for r in rejected):
        try:
            DonationRecordIn.model_validate(records[index])
        except ValidationError as exc:
            assert _problem_of(exc.errors()) == problem
        else:
            raise AssertionError(f"records[{index}] is valid on its own")


def test_a_batch_of_only_bad_rows_and_an_empty_one() -> None:
    valid, rejected = _validated([{"donation_no": "X"}, record("Y", DONOR, volume_ml=1)])
    assert valid == [] and [r.index for r in rejected] == [0, 1]
    assert _validated([]) == ([], [])


def test_the_record_digest_of_a_record_is_what_it_always_was() -> None:
    """Digests are stored: an import of the same record must keep finding it unchanged."""
    plain = DonationRecordIn.model_validate(record("D1", DONOR))
    assert record_digest(plain, CERT_INDEX) == "208af8c925e4542cbc96c630a5dc0e16ab477d027a39b82bcdbbde382a77ef04"
    odd = DonationRecordIn.model_validate(record(
        'B"J\\1', DONOR, name="欧阳娜娜", military=True, kind="platelet_apheresis", volume_ml=None, units=2,
        qualified=False, phone="13812345678"))
    assert record_digest(odd, CERT_INDEX) == "c4f3352f84ba5b44985d3886ec16910e8f6305fbc33ebb0a178c04d9cd6354a1"


def test_the_digest_covers_every_field_but_the_certificate_number_and_the_phone() -> None:
    assert sorted(DIGESTED_FIELDS) == sorted(set(DonationRecordIn.model_fields) - {"cert_number", "phone"})


def _digest_by_definition(row: DonationRecordIn, cert_index: str) -> str:
    content: dict[str, Any] = row.model_dump(mode="json", exclude={"cert_number", "phone"})
    content["cert_index"] = cert_index
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


text = st.text(min_size=1, max_size=20).filter(str.strip)  # any characters: quotes, CJK, controls


@given(no=text, station=text, name=text, phone=st.sampled_from([None, "13812345678"]),
       military=st.booleans(), qualified=st.booleans(),
       measure=st.sampled_from([("whole_blood", 200, None), ("whole_blood", 400, None),
                                ("platelet_apheresis", None, 1), ("platelet_apheresis", None, 2)]),
       day=st.dates(min_value=date(1990, 1, 1), max_value=date(2024, 12, 31)))
def test_the_record_digest_is_its_definition(no: str, station: str, name: str, phone: str | None, military: bool,
                                             qualified: bool, measure: tuple[str, int | None, int | None],
                                             day: date) -> None:
    kind, volume_ml, units = measure
    raw = record(no, DONOR, station=station, name=name, military=military, qualified=qualified,
                 kind=kind, volume_ml=volume_ml, units=units, donated_on=day.isoformat(), phone=phone)
    row = DonationRecordIn.model_validate(raw)
    assert record_digest(row, CERT_INDEX) == _digest_by_definition(row, CERT_INDEX)
