"""`make run-pair`: two complete platforms on one machine, partners of each other.

Beijing (province 11) on PORT and Zhejiang (33) on PORT+100, each a whole `make run` with its own
embedded PostgreSQL under `$DATA_DIR/bj` and `$DATA_DIR/zj`. Once both answer, each creates and
activates its signing key and registers the other as a partner (provinces, base URL, public key,
settlement account) through the admin API, as two provinces' administrators would. On a fresh
pair, Zhejiang registers a counter claim for the Beijing demo donor 张三, who used blood in
Hangzhou: it is forwarded to Beijing at once.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from kit import clock
from stack.demo import DEMO_DONORS, _placeholder_photo
from stack.processes import die_with_parent, port_free

ROOT = Path(__file__).resolve().parent.parent
ZHANG = DEMO_DONORS[0]


@dataclass
class Platform:
    code: str
    province: str
    name: str
    port: int
    data_dir: Path
    admin_password: str
    settlement_account: dict[str, str]
    extra_env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log: Path | None = None) -> None:
        env = {**os.environ, **self.extra_env, "PORT": str(self.port), "DATA_DIR": str(self.data_dir),
               "PROVINCE": self.province, "ADMIN_PASSWORD": self.admin_password}
        env.pop("DATABASE_URL", None)
        out = log.open("ab") if log else None
        self.proc = subprocess.Popen([sys.executable, "-m", "stack", "run"], cwd=ROOT, env=env,
                                     stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT if out else None,
                                     preexec_fn=die_with_parent)

    def wait_for_database(self, timeout_s: float = 60) -> None:
        """Until its PostgreSQL runs: the embedded server fixes the data dir's parents' permissions
        as it starts, and two doing that at once can lock each other out."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.running():
            if (self.data_dir / "pg" / "postmaster.pid").exists():
                return
            time.sleep(0.2)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout_s: float = 60) -> None:
        """Like Ctrl-C: the platform stops its services, then its PostgreSQL."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def platforms(base_port: int, data_dir: Path, passwords: dict[str, str],
              extra_env: dict[str, str] | None = None) -> list[Platform]:
    env = extra_env or {}
    return [
        Platform("bj", "11", "北京市血费减免平台", base_port, data_dir / "bj", passwords["bj"],
                 {"account_name": "北京市红十字血液中心", "account_number": "11050188360000000011",
                  "bank_name": "中国建设银行北京分行"}, dict(env)),
        Platform("zj", "33", "浙江省血费减免平台", base_port + 100, data_dir / "zj", passwords["zj"],
                 {"account_name": "浙江省血液中心", "account_number": "33050161234500000033",
                  "bank_name": "中国建设银行杭州分行"}, dict(env)),
    ]


def start_all(pair: list[Platform], logs: dict[str, Path] | None = None) -> None:
    for platform in pair:
        platform.data_dir.mkdir(parents=True, exist_ok=True)
        platform.start(logs[platform.code] if logs else None)
        platform.wait_for_database()


def pair_passwords(data_dir: Path) -> dict[str, str]:
    """The two admin passwords, chosen on the first start and kept (mode 0600) for the next."""
    path = data_dir / "pair.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    data_dir.mkdir(parents=True, exist_ok=True)
    passwords = {"bj": os.environ.get("ADMIN_PASSWORD") or secrets.token_urlsafe(12),
                 "zj": os.environ.get("ADMIN_PASSWORD") or secrets.token_urlsafe(12)}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(passwords, f)
    return passwords


async def admin_headers(client: httpx.AsyncClient, platform: Platform) -> dict[str, str]:
    token = await client.post(f"{platform.url}/ops/v1/auth/token",
                              data={"username": "admin", "password": platform.admin_password})
    token.raise_for_status()
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def wait_ready(client: httpx.AsyncClient, platform: Platform, timeout_s: float = 300) -> None:
    """The gateway answers and the first start's demo data is in (its marker file)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if platform.proc is not None and platform.proc.poll() is not None:
            raise RuntimeError(f"{platform.name} exited with code {platform.proc.returncode} while starting")
        try:
            ready = (await client.get(f"{platform.url}/readyz")).status_code == 200
        except httpx.TransportError:
            ready = False
        if ready and (platform.data_dir / "seeded").exists():
            return
        await asyncio.sleep(0.5)
    raise RuntimeError(f"{platform.name} was not ready on {platform.url} within {timeout_s:.0f} s")


async def own_key(client: httpx.AsyncClient, platform: Platform, headers: dict[str, str]) -> dict[str, Any]:
    """The platform's active signing key, created and activated if it has none."""
    keys = (await client.get(f"{platform.url}/ops/v1/interop/own-keys", headers=headers)).json()
    active = [k for k in keys if k["status"] == "active"]
    if active:
        return dict(active[0])
    created = await client.post(f"{platform.url}/ops/v1/interop/own-keys", headers=headers)
    created.raise_for_status()
    key_id = created.json()["key_id"]
    activated = await client.post(f"{platform.url}/ops/v1/interop/own-keys/{key_id}/activate", headers=headers)
    activated.raise_for_status()
    return dict(activated.json())


async def register(client: httpx.AsyncClient, at: Platform, headers: dict[str, str], other: Platform,
                   key: dict[str, Any]) -> None:
    """`other` in `at`'s directory, with `key` among its keys."""
    found = await client.get(f"{at.url}/ops/v1/interop/partners/{other.code}", headers=headers)
    if found.status_code == 404:
        created = await client.post(f"{at.url}/ops/v1/interop/partners", headers=headers, json={
            "code": other.code, "name": other.name, "provinces": [other.province], "base_url": other.url,
            "keys": [{"key_id": key["key_id"], "public_key_pem": key["public_key_pem"]}],
            "settlement_account": other.settlement_account})
        created.raise_for_status()
        return
    found.raise_for_status()
    if key["key_id"] not in {k["key_id"] for k in found.json()["keys"]}:
        added = await client.post(f"{at.url}/ops/v1/interop/partners/{other.code}/keys", headers=headers,
                                  json={"key_id": key["key_id"], "public_key_pem": key["public_key_pem"]})
        added.raise_for_status()


async def exchange_keys(client: httpx.AsyncClient, pair: list[Platform]) -> None:
    headers = {p.code: await admin_headers(client, p) for p in pair}
    keys = {p.code: await own_key(client, p, headers[p.code]) for p in pair}
    for at in pair:
        for other in pair:
            if other is not at:
                await register(client, at, headers[at.code], other, keys[other.code])


def zhang_in_hangzhou(invoice_number: str = "ZJDEMO0001", card: str = "6222021234567890011") -> dict[str, Any]:
    """张三 (Beijing donor) had 2 U of red cells in Hangzhou three weeks ago: a counter claim in Zhejiang."""
    today = clock.today()
    paid_on = (today - timedelta(days=19)).isoformat()
    return {
        "province": ZHANG.province, "channel": "counter",
        "donor": {"cert_type": "resident_id", "cert_number": ZHANG.cert_number, "name": ZHANG.name,
                  "phone": ZHANG.phone},
        "beneficiary": {"cert_type": "resident_id", "cert_number": ZHANG.cert_number, "name": ZHANG.name},
        "relationship": "self", "kinship_evidence": None, "agent": None, "donor_deceased": False,
        "usage": {"hospital_name": "浙江大学医学院附属第一医院", "usage_province": "33",
                  "used_on": (today - timedelta(days=23)).isoformat(), "paid_on": paid_on,
                  "items": [{"product": "red_cells", "quantity": 2}]},
        "invoice": {"code": "330100226", "number": invoice_number, "check_code": "zj01", "issued_on": paid_on,
                    "total_fen": 1_100_000, "blood_fee_fen": 46_000},
        "payee": {"account_name": ZHANG.name, "account_number": card, "bank_name": "中国工商银行"},
    }


async def file_counter_claim(client: httpx.AsyncClient, platform: Platform, headers: dict[str, str],
                             body: dict[str, Any]) -> dict[str, Any]:
    """Register, attach the four photos and submit, as a station's counter does."""
    created = await client.post(f"{platform.url}/ops/v1/claims", headers=headers, json=body)
    created.raise_for_status()
    claim_id = created.json()["id"]
    for i, kind in enumerate(("donor_id_front", "donor_id_back", "fee_list", "invoice")):
        uploaded = await client.post(f"{platform.url}/ops/v1/claims/{claim_id}/documents", headers=headers,
                                     data={"kind": kind},
                                     files={"file": (f"{kind}.jpg", _placeholder_photo(i), "image/jpeg")})
        uploaded.raise_for_status()
    submitted = await client.post(f"{platform.url}/ops/v1/claims/{claim_id}/submit", headers=headers)
    submitted.raise_for_status()
    return dict(submitted.json())


async def connect(pair: list[Platform], data_dir: Path) -> str | None:
    """Wait for both, exchange keys; on a fresh pair file the demo claim. Returns its reference."""
    async with httpx.AsyncClient(timeout=30, trust_env=False) as client:
        for platform in pair:
            await wait_ready(client, platform)
        await exchange_keys(client, pair)
        marker = data_dir / "pair-seeded"
        if marker.exists():
            return None
        zj = pair[1]
        claim = await file_counter_claim(client, zj, await admin_headers(client, zj), zhang_in_hangzhou())
        marker.write_text(f"{claim['reference']}\n")
        return str(claim["reference"])


def main() -> int:
    die_with_parent()
    base = int(os.environ.get("PORT", "8000"))
    data_dir = Path(os.environ.get("DATA_DIR", "./var-pair")).resolve()
    for port in (base, base + 100):
        if not port_free(port):
            raise SystemExit(f"\n✗ port {port} is already in use; set PORT=another (the pair uses PORT and PORT+100)\n")
    pair = platforms(base, data_dir, pair_passwords(data_dir))
    stop = False

    def on_signal(*_: object) -> None:
        nonlocal stop
        stop = True

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        start_all(pair)
        demo_claim = asyncio.run(connect(pair, data_dir))
        lines = ["", "血费减免 pair is running (跨省互通演示)"]
        for platform in pair:
            lines.append(f"  {platform.name} ({platform.province}): {platform.url}/  admin password: "
                         f"{platform.admin_password}")
        lines.append("  keys exchanged; each is the other's partner (/ops/v1/interop/partners)")
        if demo_claim:
            lines.append(f"  demo: Zhejiang claim {demo_claim} for Beijing donor 张三 forwarded to Beijing")
        lines += [f"  data dir: {data_dir}", "  stop with Ctrl-C", ""]
        print("\n".join(lines), flush=True)
        while not stop and all(p.running() for p in pair):
            time.sleep(0.5)
    finally:
        print("stopping the pair…", flush=True)
        for platform in reversed(pair):
            platform.stop()
    return 0
