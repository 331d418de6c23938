"""python -m services.entitlement import-donations FILE.csv [--url ...] [--username ...]

Imports a blood station's export through the public ops API (what a station operator's
machine would do), in batches, with a progress bar and a summary. Rejected rows never stop
the good ones: a batch refused for conflicting records is re-sent without them.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import os
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any, TextIO

import httpx
from tqdm import tqdm

from kit.keepalive import CLIENT_KEEPALIVE_S

BOOL = {"true": True, "1": True, "yes": True, "是": True,
        "false": False, "0": False, "no": False, "否": False, "": False}
INT_FIELDS = ("volume_ml", "units")
BOOL_FIELDS = ("military", "qualified")


def row_to_record(row: dict[str, str]) -> dict[str, Any]:
    """CSV text to the API's JSON types; anything unparseable is passed on for the API to reject."""
    return _typed({k: (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k})


def _typed(record: dict[str, Any]) -> dict[str, Any]:
    for name in INT_FIELDS:
        value = record.get(name, "")
        record[name] = int(value) if str(value).isdigit() else (None if value in ("", None) else value)
    for name in BOOL_FIELDS:
        if name in record:
            record[name] = BOOL.get(str(record[name]).lower(), record[name])
    if not record.get("phone"):
        record.pop("phone", None)
    return record


def read_records(f: TextIO) -> list[dict[str, Any]]:
    """``[row_to_record(r) for r in csv.DictReader(f)]``, without DictReader's dict of every row.

    As DictReader does: the first row names the columns, empty rows are skipped, a short row's
    missing columns are None, a repeated name takes its last column (in the place of its first),
    and row_to_record drops what has no name (an empty name, values past the last name)."""
    reader = csv.reader(f)
    header = next(reader, None)
    if header is None:
        return []
    last = {name: i for i, name in enumerate(header) if name}
    columns = [(name, last[name]) for name in dict.fromkeys(name for name in header if name)]
    width = max(last.values(), default=-1) + 1
    records = []
    for row in reader:
        if not row:
            continue
        if len(row) >= width:
            record = {name: row[i].strip() for name, i in columns}
        else:
            record = {name: row[i].strip() if i < len(row) else None for name, i in columns}
        records.append(_typed(record))
    return records


def batches(rows: list[dict[str, Any]], size: int) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    for start in range(0, len(rows), size):
        yield start, rows[start:start + size]


def send_batch(client: httpx.Client, start: int, batch: list[dict[str, Any]]) -> tuple[int, int, list[tuple[int, str]]]:
    """(created, unchanged, rejected as (file row index, reason)); conflicts become rejections."""
    rejected: list[tuple[int, str]] = []
    positions = list(range(len(batch)))
    while positions:
        response = client.post("/ops/v1/donations", json={"records": [batch[p] for p in positions]})
        if response.status_code == 409 and "conflicts" in response.json():
            conflicting = {c["index"] for c in response.json()["conflicts"]}
            for c in response.json()["conflicts"]:
                rejected.append((start + positions[c["index"]], "conflicts with the record already imported as "
                                 f"{c['station_code']}/{c['donation_no']}"))
            positions = [p for i, p in enumerate(positions) if i not in conflicting]
            continue
        if response.status_code != 200:
            raise SystemExit(f"import stopped at row {start + 1}: HTTP {response.status_code} {response.text[:300]}")
        body = response.json()
        rejected += [(start + positions[r["index"]], r["problem"]) for r in body["rejected"]]
        return body["created"], body["unchanged"], rejected
    return 0, 0, rejected


def import_file(path: Path, client: httpx.Client, batch_size: int, parallel: int = 1,
                signed_in: Future[None] | None = None) -> tuple[int, int, list[tuple[int, str]]]:
    """`parallel` batches in flight at once: while the service stores one, the next is on its way.
    Batches are independent (each is idempotent by station_code + donation_no), so the totals and
    the rejected rows are the same in any order. The whole file is read before anything is sent (a
    file that cannot be read sends nothing), while `signed_in`, a sign-in under way, completes."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = read_records(f)
    if signed_in is not None:
        signed_in.result()  # a failed sign-in stops here
    created = unchanged = 0
    rejected: list[tuple[int, str]] = []
    with tqdm(total=len(rows), unit="行", desc=path.name, file=sys.stderr) as bar, \
            ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        sent = {pool.submit(send_batch, client, start, batch): len(batch) for start, batch in batches(rows, batch_size)}
        for done in as_completed(sent):
            c, u, r = done.result()
            created, unchanged, rejected = created + c, unchanged + u, rejected + r
            bar.update(sent[done])
    return created, unchanged, sorted(rejected)


def sign_in(client: httpx.Client, username: str, password: str) -> None:
    response = client.post("/ops/v1/auth/token", data={"username": username, "password": password})
    if response.status_code != 200:
        raise SystemExit(f"sign-in failed: {response.json().get('detail', response.text)}")
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.entitlement")
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import-donations", help="import a station's CSV export (献血记录导入)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--url", default=os.environ.get("XUEFEI_URL", "http://127.0.0.1:8000"))
    imp.add_argument("--username", default=os.environ.get("XUEFEI_USERNAME", "admin"))
    imp.add_argument("--batch-size", type=int, default=2000,
                     help="records per request (default 2000; the API takes up to 20,000)")
    imp.add_argument("--parallel", type=int, default=4, help="batches in flight at once (default 4)")
    args = parser.parse_args(argv)
    if not args.file.exists():
        parser.error(f"no such file: {args.file}")
    password = os.environ.get("XUEFEI_PASSWORD") or getpass.getpass(f"password for {args.username}: ")
    # An idle connection is let go before the gateway's uvicorn closes it (kit/keepalive.py).
    limits = httpx.Limits(max_connections=max(1, args.parallel), keepalive_expiry=CLIENT_KEEPALIVE_S)
    with httpx.Client(base_url=args.url, timeout=120, trust_env=False, limits=limits) as client, \
            ThreadPoolExecutor(max_workers=1) as signing:
        signed_in = signing.submit(sign_in, client, args.username, password)  # while the file is read
        created, unchanged, rejected = import_file(args.file, client, args.batch_size, args.parallel, signed_in)
    print(f"created {created}, unchanged {unchanged}, rejected {len(rejected)}")
    for index, problem in rejected:
        print(f"  row {index + 2}: {problem}")  # +2: header line, 1-based
    return 0 if not rejected else 1


if __name__ == "__main__":
    sys.exit(main())
