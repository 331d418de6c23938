"""The CSV CLI's reader (services/entitlement/__main__.py): the records of csv.DictReader and
row_to_record, for any file, without a DictReader dict per row."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from services.entitlement.__main__ import read_records, row_to_record

FIELDS = ["donation_no", "station_code", "cert_type", "cert_number", "name", "province", "military",
          "donated_on", "kind", "volume_ml", "units", "qualified", "phone"]


def by_definition(text: str) -> object:
    try:
        return [list(row_to_record(r).items()) for r in csv.DictReader(io.StringIO(text, newline=""))]
    except ValueError as exc:  # a cell int() cannot read though isdigit() says digits ("²")
        return type(exc), str(exc)


def read(text: str) -> object:
    try:
        return [list(r.items()) for r in read_records(io.StringIO(text, newline=""))]
    except ValueError as exc:
        return type(exc), str(exc)


def test_a_station_export() -> None:
    text = ("donation_no,station_code,cert_type,cert_number,name,province,military,donated_on,kind,volume_ml,units,"
            "qualified,phone\r\n"
            " BJ1 ,110000-BJBC,resident_id,11010519491231002X,张三,11,否,2024-05-01,whole_blood,400,,是,\r\n"
            "\r\n"
            "BJ2,110000-BJBC,resident_id,11010519491231002X,\"张,三\",11,TRUE,2024-06-01,platelet_apheresis,,2,0,"
            "13812345678\r\n"
            "BJ3,110000-BJBC\r\n")
    assert read_records(io.StringIO(text, newline="")) == [
        {"donation_no": "BJ1", "station_code": "110000-BJBC", "cert_type": "resident_id",
         "cert_number": "11010519491231002X", "name": "张三", "province": "11", "military": False,
         "donated_on": "2024-05-01", "kind": "whole_blood", "volume_ml": 400, "units": None, "qualified": True},
        {"donation_no": "BJ2", "station_code": "110000-BJBC", "cert_type": "resident_id",
         "cert_number": "11010519491231002X", "name": "张,三", "province": "11", "military": True,
         "donated_on": "2024-06-01", "kind": "platelet_apheresis", "volume_ml": None, "units": 2, "qualified": False,
         "phone": "13812345678"},
        {"donation_no": "BJ3", "station_code": "110000-BJBC", "cert_type": None, "cert_number": None, "name": None,
         "province": None, "military": None, "donated_on": None, "kind": None, "volume_ml": None, "units": None,
         "qualified": None},
    ]
    assert read(text) == by_definition(text)


def test_an_empty_file_and_a_header_alone() -> None:
    assert read_records(io.StringIO("")) == []
    assert read_records(io.StringIO(",".join(FIELDS) + "\n")) == []


cell = st.one_of(st.sampled_from(["", " ", "400", " 2 ", "true", "否", "²", "1\n2", 'a"b', "x,y", "13812345678"]),
                 st.text(max_size=6))
name = st.one_of(st.sampled_from(FIELDS + ["", "extra"]), st.text(max_size=4))


@given(header=st.lists(name, max_size=8), rows=st.lists(st.lists(cell, max_size=10), max_size=6),
       blank_lines=st.lists(st.integers(0, 6), max_size=3), line_end=st.sampled_from(["\r\n", "\n"]))
def test_the_same_records_as_dictreader_and_row_to_record(header: list[str], rows: list[list[str]],
                                                           blank_lines: list[int], line_end: str) -> None:
    """Repeated and empty names, short and long rows, blank lines, quotes, commas and line breaks
    inside cells: the same records, with their keys in the same order."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=line_end)
    lines = [header, *rows]
    for at in sorted(blank_lines, reverse=True):
        lines.insert(min(at, len(lines)), [])
    for line in lines:
        writer.writerow(line)
    text = out.getvalue()
    assert read(text) == by_definition(text)
