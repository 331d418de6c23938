"""A generated donation registry, written straight into `entitlement.donors` / `donations`.

Going through the import API would take hours for a million donors; COPY takes a minute or
two. The rows are exactly what the import would have written: certificate numbers encrypted
with the entitlement service's FieldCipher and found through its BlindIndex (same keys, same
contexts), masked values, and the record digest `registry.service.record_digest` computes
(`self_check` proves that against the real code before anything is loaded).

Donor `i` has a valid GB 11643 resident ID that is a pure function of `i` (`resident_id`), so
the load generator can pick random donors without holding a million numbers. Every donor has
1-3 donations at Beijing stations (province 11), so a Beijing quote finds them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import multiprocessing
import random
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import asyncpg
from stdnum.cn import ric

from kit.crypto import BlindIndex, FieldCipher, mask_cert_number, mask_phone
from services.entitlement.registry.models import CERT_CONTEXT, PHONE_CONTEXT
from stack.processes import die_with_parent

PROVINCE = "11"
STATIONS = ("110000-BJBC", "110000-BJHD", "110000-BJCY", "110000-BJFT")
# Birth places (the first six characters of a resident ID): districts of Beijing, Tianjin,
# Shanghai, Hangzhou and Shaoguan that python-stdnum knows as assigned for every birth year
# 1960-2004 (a code is only valid for the years it existed).
AREAS = ("110101", "110102", "110103", "110104", "110105", "110106", "110107", "110108", "110109",
         "120101", "120102", "120103", "120104", "120105", "120106", "120107", "120108", "120109",
         "120110", "120111", "120112", "120113", "310101", "310103", "310104", "310105", "310106",
         "310107", "310108", "310109", "310110", "330122", "330127", "440221")
BIRTH_FIRST = date(1960, 1, 1)
BIRTH_DAYS = (date(2004, 12, 31) - BIRTH_FIRST).days + 1  # everyone is 18 by 2022
SEQS = 999  # sequence 001-999
CAPACITY = len(AREAS) * BIRTH_DAYS * SEQS
# i -> (i * MULTIPLIER + OFFSET) mod CAPACITY is a bijection: donors 0..n spread over every
# district and birth date instead of counting up from one.
MULTIPLIER = 7_919_993
OFFSET = 12_345_678
assert math.gcd(MULTIPLIER, CAPACITY) == 1

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋"
            "蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫"
            "段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红玲建国志文辉海燕鹏宇"
         "浩然子涵欣怡雨桐梓轩一诺佳晨阳思远")
FIRST_DONATION = date(2000, 1, 1)
LAST_DONATION = date(2024, 12, 31)

DONOR_COLUMNS = ("id", "cert_type", "cert_number_encrypted", "cert_number_index",
                 "cert_number_masked", "name", "province", "phone_encrypted", "phone_masked")
DONATION_COLUMNS = ("id", "donor_id", "station_code", "donation_no", "province", "military",
                    "donated_on", "kind", "volume_ml", "units", "qualified", "record_digest",
                    "imported_by")
# What `DonationRecordIn.model_dump(exclude={"cert_number", "phone"})` holds: the digest's input.
DIGEST_FIELDS = ("donation_no", "station_code", "cert_type", "name", "province", "military",
                 "donated_on", "kind", "volume_ml", "units", "qualified")
IMPORTED_BY = "bench-generator"


def resident_id(i: int) -> str:
    """The resident ID of donor `i` (0 <= i < CAPACITY): valid, unique, deterministic."""
    p = (i * MULTIPLIER + OFFSET) % CAPACITY
    p, seq = divmod(p, SEQS)
    area, day = divmod(p, BIRTH_DAYS)
    birth = BIRTH_FIRST + timedelta(days=day)
    body = f"{AREAS[area]}{birth:%Y%m%d}{seq + 1:03d}"
    # calc_check_digit expects the number with a placeholder check character at the end.
    return body + ric.calc_check_digit(body + "0")


def birth_of(cert_number: str) -> date:
    return date(int(cert_number[6:10]), int(cert_number[10:12]), int(cert_number[12:14]))


def donation_records(i: int, rng: random.Random) -> list[dict[str, Any]]:
    """Donor `i`'s records as a station export row (the import API's `DonationRecordIn`)."""
    cert = resident_id(i)
    name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
    phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}" if rng.random() < 0.8 else None
    adult = birth_of(cert) + timedelta(days=18 * 366)
    first = max(FIRST_DONATION, adult)
    span = (LAST_DONATION - first).days
    records = []
    for k in range(rng.choice((1, 1, 2, 2, 3))):
        platelets = rng.random() < 0.12
        records.append({
            "donation_no": f"BJ{i:09d}{k}", "station_code": rng.choice(STATIONS),
            "cert_type": "resident_id", "cert_number": cert, "name": name, "province": PROVINCE,
            "military": rng.random() < 0.02,
            "donated_on": (first + timedelta(days=rng.randrange(span + 1))).isoformat(),
            "kind": "platelet_apheresis" if platelets else "whole_blood",
            "volume_ml": None if platelets else rng.choice((200, 300, 400, 400)),
            "units": rng.choice((1, 2)) if platelets else None,
            # The first donation passed its tests, so every donor has something to quote on.
            "qualified": k == 0 or rng.random() < 0.97, "phone": phone,
        })
    return records


def record_digest(record: dict[str, Any], cert_index: str) -> str:
    """`services.entitlement.registry.service.record_digest`, without pydantic (2M rows)."""
    content = {k: record[k] for k in DIGEST_FIELDS}
    content["cert_index"] = cert_index
    text = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Crypto:
    """The entitlement service's field keys, as its environment carries them."""

    field_keys: str  # JSON {key id: base64 key}
    active_key_id: str
    blind_index_key: str

    @classmethod
    def from_service_env(cls, env: dict[str, str]) -> Crypto:
        return cls(env["ENTITLEMENT_FIELD_KEYS"], env["ENTITLEMENT_FIELD_ACTIVE_KEY_ID"],
                   env["ENTITLEMENT_BLIND_INDEX_KEY"])

    def tools(self) -> tuple[FieldCipher, BlindIndex]:
        return FieldCipher.from_settings(self.field_keys, self.active_key_id), \
            BlindIndex.from_settings(self.blind_index_key)


def rows_for(start: int, stop: int, crypto: Crypto, seed: int) -> tuple[list[tuple], list[tuple]]:
    cipher, index = crypto.tools()
    rng = random.Random(f"{seed}:{start}")
    donors: list[tuple] = []
    donations: list[tuple] = []
    for i in range(start, stop):
        records = donation_records(i, rng)
        first = records[0]
        cert = first["cert_number"]
        cert_index = index.digest(cert, context=CERT_CONTEXT)
        donor_id = uuid.uuid4()
        phone = first["phone"]
        donors.append((
            donor_id, "resident_id", cipher.encrypt(cert, context=CERT_CONTEXT), cert_index,
            mask_cert_number(cert), first["name"], PROVINCE,
            cipher.encrypt(phone, context=PHONE_CONTEXT) if phone else None,
            mask_phone(phone) if phone else None,
        ))
        for r in records:
            donations.append((
                uuid.uuid4(), donor_id, r["station_code"], r["donation_no"], r["province"],
                r["military"], date.fromisoformat(r["donated_on"]), r["kind"], r["volume_ml"],
                r["units"], r["qualified"], record_digest(r, cert_index), IMPORTED_BY,
            ))
    return donors, donations


@dataclass(frozen=True)
class Chunk:
    start: int
    stop: int
    crypto: Crypto
    connect: dict[str, Any]
    seed: int


def load_chunk(chunk: Chunk) -> tuple[int, int, float, float]:
    """In a worker process: build one chunk's rows and COPY them in one transaction.
    Returns (donors, donations, seconds building, seconds copying)."""
    t0 = time.perf_counter()
    donors, donations = rows_for(chunk.start, chunk.stop, chunk.crypto, chunk.seed)
    t1 = time.perf_counter()
    asyncio.run(_copy(chunk.connect, donors, donations))
    return len(donors), len(donations), t1 - t0, time.perf_counter() - t1


async def _copy(connect: dict[str, Any], donors: list[tuple], donations: list[tuple]) -> None:
    conn = await asyncpg.connect(**connect)
    try:
        await conn.execute("SET synchronous_commit = off")
        async with conn.transaction():
            await conn.copy_records_to_table("donors", schema_name="entitlement",
                                             columns=DONOR_COLUMNS, records=donors)
            await conn.copy_records_to_table("donations", schema_name="entitlement",
                                             columns=DONATION_COLUMNS, records=donations)
    finally:
        await conn.close()


@dataclass
class LoadReport:
    donors: int
    donations: int
    seconds: float  # wall time, generation + COPY + VACUUM ANALYZE + CHECKPOINT
    build_cpu_s: float  # summed over workers
    copy_s: float  # summed over workers
    analyze_s: float
    size_mb: float  # donors + donations, tables and indexes, after the load


async def grow(connect: dict[str, Any], crypto: Crypto, start: int, stop: int, *, workers: int,
               chunk_size: int = 10_000, seed: int = 2026,
               progress: Callable[[str], None] = print) -> LoadReport:
    """Add donors start..stop-1 (with their donations), in parallel chunks; then VACUUM ANALYZE."""
    t0 = time.perf_counter()
    chunks = [Chunk(s, min(s + chunk_size, stop), crypto, connect, seed)
              for s in range(start, stop, chunk_size)]
    loop = asyncio.get_running_loop()
    donors = donations = 0
    build_s = copy_s = 0.0
    # spawn, not fork: we are inside a running event loop with threads.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=die_with_parent)
    try:
        futures = [loop.run_in_executor(pool, load_chunk, c) for c in chunks]
        last_note = 0.0
        for done in asyncio.as_completed(futures):
            d, n, b, c = await done
            donors, donations, build_s, copy_s = donors + d, donations + n, build_s + b, copy_s + c
            now = time.perf_counter()
            if now - last_note > 10 or donors == stop - start:
                last_note = now
                progress(f"  … {start + donors:,} donors ({donors / (now - t0):,.0f}/s)")
    finally:
        # Interrupted: the chunks not started are dropped, the running ones finish (seconds).
        pool.shutdown(wait=True, cancel_futures=True)
    t1 = time.perf_counter()
    conn = await asyncpg.connect(**connect)
    try:
        # A settled registry: statistics current, visibility map set, no checkpoint pending.
        await conn.execute("VACUUM (ANALYZE) entitlement.donors, entitlement.donations")
        await conn.execute("CHECKPOINT")
        size = await conn.fetchval("SELECT pg_total_relation_size('entitlement.donors') "
                                   "+ pg_total_relation_size('entitlement.donations')")
    finally:
        await conn.close()
    t2 = time.perf_counter()
    return LoadReport(donors=donors, donations=donations, seconds=t2 - t0, build_cpu_s=build_s,
                      copy_s=copy_s, analyze_s=t2 - t1, size_mb=size / 2**20)


def self_check(crypto: Crypto, n: int = 200) -> None:
    """The generator against the service's own code: every record passes the import's
    validation, and digest and blind index are the ones the import would store."""
    from services.entitlement.registry.schemas import DonationRecordIn
    from services.entitlement.registry.service import record_digest as service_digest

    _, index = crypto.tools()
    rng = random.Random(1)
    seen: set[str] = set()
    for i in [*range(n), *(rng.randrange(CAPACITY) for _ in range(n))]:
        for record in donation_records(i, rng):
            row = DonationRecordIn.model_validate(record)
            cert_index = index.digest(row.cert_number, context=CERT_CONTEXT)
            if service_digest(row, cert_index) != record_digest(record, cert_index):
                raise AssertionError(f"generated digest differs from the service's for {record}")
        seen.add(resident_id(i))
    if len(seen) != 2 * n:
        raise AssertionError("generated resident IDs are not unique")
