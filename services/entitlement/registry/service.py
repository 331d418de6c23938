"""Import of station exports: idempotent by (station_code, donation_no), row-level rejects.

A row that is invalid is rejected alone; a row that changes an existing record is a
conflict and the whole batch changes nothing (the caller fixes or drops those rows).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.callers import province_scope
from kit.crypto import BlindIndex, FieldCipher, mask_cert_number, mask_phone
from kit.identity import Caller, person_index
from kit.problems import Conflict
from services.entitlement.registry import repository
from services.entitlement.registry.models import CERT_CONTEXT, PHONE_CONTEXT, Donor
from services.entitlement.registry.schemas import DonationRecordIn, ImportResult, RejectedRow


@dataclass
class _Batch:
    valid: list[tuple[int, DonationRecordIn, str, str]] = field(default_factory=list)  # index, row, cert idx, digest
    rejected: list[RejectedRow] = field(default_factory=list)


def _problem_of(errors: list[Any]) -> str:
    """One row's validation errors as one line; `loc` is relative to the row."""
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()))
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


# What json.dumps(..., ensure_ascii=False) escapes strings with; a JSON literal of each bool and None.
_JSON_STR = json.encoder.encode_basestring
_JSON_LITERAL = {True: "true", False: "false", None: "null"}
# The fields a digest covers: every field of DonationRecordIn but the certificate number and the phone
# (tests/entitlement/test_import_validation.py fails when the model gains a field and this does not).
DIGESTED_FIELDS = ("cert_type", "donated_on", "donation_no", "kind", "military", "name", "province", "qualified",
                   "station_code", "units", "volume_ml")


def record_digest(row: DonationRecordIn, cert_index: str) -> str:
    """What identifies the content of a record; the plaintext ID never enters it.

    By definition the SHA-256 of ``json.dumps(row.model_dump(mode="json", exclude={"cert_number",
    "phone"}) | {"cert_index": cert_index}, sort_keys=True, ensure_ascii=False)``; written out here,
    key by key in sorted order, because the generic path was a tenth of an import's CPU. The same
    bytes: tests/entitlement/test_import_validation.py pins digests and checks the definition."""
    units = "null" if row.units is None else int.__repr__(row.units)
    volume_ml = "null" if row.volume_ml is None else int.__repr__(row.volume_ml)
    text = (f'{{"cert_index": {_JSON_STR(cert_index)}, "cert_type": {_JSON_STR(row.cert_type)}, '
            f'"donated_on": "{row.donated_on.isoformat()}", "donation_no": {_JSON_STR(row.donation_no)}, '
            f'"kind": {_JSON_STR(row.kind)}, "military": {_JSON_LITERAL[row.military]}, '
            f'"name": {_JSON_STR(row.name)}, "province": {_JSON_STR(row.province)}, '
            f'"qualified": {_JSON_LITERAL[row.qualified]}, "station_code": {_JSON_STR(row.station_code)}, '
            f'"units": {units}, "volume_ml": {volume_ml}}}')
    return hashlib.sha256(text.encode()).hexdigest()


# The whole batch in one call into pydantic-core, and the clock read once for it.
_RECORDS = TypeAdapter(list[DonationRecordIn])


def _validated(records: list[dict[str, Any]]) -> tuple[list[tuple[int, DonationRecordIn]], list[RejectedRow]]:
    """(index, row) of every valid record and the rejected ones, each with the reason it alone has.

    A batch with invalid rows is validated again without them: pydantic gives the errors of every
    row but none of the valid rows of a list that has errors."""
    context = {"today": clock.today()}
    indexes = list(range(len(records)))
    rejected: list[RejectedRow] = []
    while True:
        try:
            rows = _RECORDS.validate_python([records[i] for i in indexes], context=context)
        except ValidationError as exc:
            by_row: dict[int, list[Any]] = {}
            for error in exc.errors():
                position, *loc = error["loc"]
                by_row.setdefault(int(position), []).append({**error, "loc": tuple(loc)})
            rejected += [RejectedRow(index=indexes[p], problem=_problem_of(errors)) for p, errors in by_row.items()]
            indexes = [i for p, i in enumerate(indexes) if p not in by_row]
            continue
        return list(zip(indexes, rows, strict=True)), rejected


def _validate(records: list[dict[str, Any]], caller: Caller, index: BlindIndex) -> _Batch:
    batch = _Batch()
    valid, batch.rejected = _validated(records)
    scope = province_scope(caller) if valid else None  # None: every province
    cert_indexes: dict[str, str] = {}  # a donor's rows: one digest (an export lists them together)
    for i, row in valid:
        if scope is not None and row.province != scope:
            batch.rejected.append(RejectedRow(
                index=i, problem=f"province: 只能导入本省（{caller.province}）的献血记录 (not your province)"))
            continue
        cert_index = cert_indexes.get(row.cert_number)
        if cert_index is None:
            cert_index = cert_indexes[row.cert_number] = index.digest(row.cert_number, context=CERT_CONTEXT)
        batch.valid.append((i, row, cert_index, record_digest(row, cert_index)))
    return batch


async def import_donations(
    session: AsyncSession, records: list[dict[str, Any]], *, caller: Caller,
    cipher: FieldCipher, index: BlindIndex, persons: BlindIndex,
) -> ImportResult:
    batch = _validate(records, caller, index)
    # Within the batch: the first occurrence of a key stands; an identical repeat is unchanged.
    first: dict[tuple[str, str], tuple[int, str]] = {}
    conflicts: list[dict[str, Any]] = []
    unchanged = 0
    rows: list[tuple[int, DonationRecordIn, str, str]] = []
    for i, row, cert_index, digest in batch.valid:
        key = (row.station_code, row.donation_no)
        if key in first:
            if first[key][1] == digest:
                unchanged += 1
            else:
                conflicts.append({"index": i, "station_code": key[0], "donation_no": key[1],
                                  "earlier_index": first[key][0]})
            continue
        first[key] = (i, digest)
        rows.append((i, row, cert_index, digest))

    existing = await repository.existing_donations(session, list(first))
    new_rows = []
    for i, row, cert_index, digest in rows:
        key = (row.station_code, row.donation_no)
        if key in existing:
            if existing[key] == digest:
                unchanged += 1
            else:
                conflicts.append({"index": i, "station_code": key[0], "donation_no": key[1]})
        else:
            new_rows.append((i, row, cert_index, digest))
    if conflicts:
        raise _conflict(conflicts)

    donor_ids = await _ensure_donors(session, new_rows, cipher, persons)
    inserted = await repository.insert_donations(session, [
        {"donor_id": donor_ids[(row.cert_type, cert_index)], "station_code": row.station_code,
         "donation_no": row.donation_no, "province": row.province, "military": row.military,
         "donated_on": row.donated_on, "kind": row.kind, "volume_ml": row.volume_ml, "units": row.units,
         "qualified": row.qualified, "record_digest": digest, "imported_by": caller.subject}
        for _, row, cert_index, digest in new_rows
    ])
    raced = len(new_rows) - inserted
    if raced:  # a concurrent import inserted some of these keys first: same content or a conflict
        now = await repository.existing_donations(session, [(r.station_code, r.donation_no) for _, r, _, _ in new_rows])
        late = [{"index": i, "station_code": r.station_code, "donation_no": r.donation_no}
                for i, r, _, d in new_rows if now.get((r.station_code, r.donation_no)) != d]
        if late:
            raise _conflict(late)
        unchanged += raced
    return ImportResult(created=inserted, unchanged=unchanged,
                        rejected=sorted(batch.rejected, key=lambda r: r.index))


def _conflict(conflicts: list[dict[str, Any]]) -> Conflict:
    names = ", ".join(f"records[{c['index']}] ({c['station_code']}/{c['donation_no']})" for c in conflicts[:10])
    more = f" and {len(conflicts) - 10} more" if len(conflicts) > 10 else ""
    return Conflict(
        f"献血记录与已导入的同号记录不一致 (record differs from the one already imported "
        f"under the same station_code and donation_no): {names}{more}; nothing was imported",
        field=f"records[{conflicts[0]['index']}]", conflicts=conflicts,
    )


async def _ensure_donors(session: AsyncSession, rows: list[tuple[int, DonationRecordIn, str, str]],
                         cipher: FieldCipher, persons: BlindIndex) -> dict[tuple[str, str], Any]:
    wanted: dict[tuple[str, str], DonationRecordIn] = {}
    for _, row, cert_index, _ in rows:
        wanted.setdefault((row.cert_type, cert_index), row)
    found = await repository.donors_by_index(session, list(wanted))
    missing = [k for k in wanted if k not in found]
    found.update(await repository.insert_donors(session, [
        {"cert_type": k[0], "cert_number_index": k[1],
         "cert_number_encrypted": cipher.encrypt(wanted[k].cert_number, context=CERT_CONTEXT),
         "cert_number_masked": mask_cert_number(wanted[k].cert_number),
         "person_index": person_index(persons, k[0], wanted[k].cert_number),
         "name": wanted[k].name, "province": wanted[k].province,
         "phone_encrypted": cipher.encrypt(wanted[k].phone, context=PHONE_CONTEXT) if wanted[k].phone else None,
         "phone_masked": mask_phone(wanted[k].phone) if wanted[k].phone else None}
        for k in missing
    ]))
    raced = [k for k in missing if k not in found]  # inserted meanwhile by a concurrent import
    if raced:
        found.update(await repository.donors_by_index(session, raced))
    return found



def fill_person_index(donor: Donor, cipher: FieldCipher, persons: BlindIndex) -> None:
    """For the start-up backfill (kit.backfill): donors imported before the person index existed."""
    number = cipher.decrypt(donor.cert_number_encrypted, context=CERT_CONTEXT)
    donor.person_index = person_index(persons, donor.cert_type, number)
