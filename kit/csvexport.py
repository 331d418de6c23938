"""CSV exports that a spreadsheet opens as data, never as formulas (CSV/formula injection).

A cell a user could have typed (a name, a hospital, a reason) that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return would run as a formula in Excel or WPS; such cells get a
leading apostrophe, which spreadsheets show as text. Plain numbers (``-12.50``) are left as
numbers. UTF-8 with a BOM, so Excel opens the Chinese headers as Chinese.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
