"""Issue 11.10: schemathesis against every surface's OpenAPI (gateway /api, /ops, /his, /interop)
and each service's own, on a real `make run`: no 5xx, every error application/problem+json,
every status declared, every response conforming to its schema.

Bounded for `make test`: a few generated examples per operation (FUZZ_EXAMPLES, default 3), no
shrinking or example database. Excluded: the operations that would end the fuzzer's own sessions
or accounts (sign-out, disable, password reset, credential revocation), which their own tests cover.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from kit.identity import Caller, IdentitySigner
from stack.demo import DEMO_DONORS
from tests.e2e.conftest import E2E_ADMIN_PASSWORD
from tests.e2e.running import RunningStack

pytestmark = pytest.mark.e2e
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
SKIP = re.compile(r"/auth/logout$|/disable$|/password$|/revoke$")
PROBLEM = "application/problem+json"


@schemathesis.check
def errors_are_problem_json(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith(PROBLEM), f"HTTP {response.status_code} answered as {content_type!r}"
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          errors_are_problem_json]


def sign_in(client: httpx.Client) -> dict[str, dict[str, str]]:
    """A bearer per surface: admin (ops), 张三 bound (api), a hospital system (his)."""
    admin = client.post("/ops/v1/auth/token", data={"username": "admin", "password": E2E_ADMIN_PASSWORD})
    ops = {"Authorization": f"Bearer {admin.json()['access_token']}"}
    wx = client.post("/api/v1/dev/wx-code", json={"openid": "fuzz-donor"}).json()["code"]
    api = {"Authorization": f"Bearer {client.post('/api/v1/auth/wx-login', json={'code': wx}).json()['access_token']}"}
    zhang = DEMO_DONORS[0]
    started = client.post("/api/v1/auth/bind/start", headers=api,
                          json={"name": zhang.name, "cert_type": "resident_id", "cert_number": zhang.cert_number})
    sms = client.get("/api/v1/dev/sms").json()[0]["text"]
    client.post("/api/v1/auth/bind/verify", headers=api, json={
        "challenge_id": started.json()["challenge_id"], "code": re.search(r"(\d{6})", sms).group(1)})  # type: ignore[union-attr]
    client.post("/ops/v1/hospitals", headers=ops, json={
        "code": "H-FUZZ", "name": "模糊测试医院", "province": "11", "district_office": "东城区献血办",
        "military": False, "account_name": "模糊测试医院", "account_number": "0200001409014400001",
        "bank_name": "工行"})
    issued = client.post("/ops/v1/hospitals/H-FUZZ/credentials", headers=ops).json()
    his_token = client.post("/his/v1/auth/token", data={"grant_type": "client_credentials", **{
        k: issued[k] for k in ("client_id", "client_secret")}}).json()["access_token"]
    return {"ops": ops, "api": api, "his": {"Authorization": f"Bearer {his_token}"}, "interop": {}}


def targets(stack: RunningStack) -> Iterator[tuple[str, str, dict[str, Any], dict[str, str]]]:
    """(name, base url, OpenAPI document, headers) for each surface and each service."""
    with httpx.Client(base_url=stack.url, timeout=30, trust_env=False) as client:
        headers = sign_in(client)
        for surface in ("api", "ops", "his", "interop"):
            yield f"gateway /{surface}", stack.url, client.get(f"/{surface}/v1/openapi.json").json(), headers[surface]
    keys = json.loads((stack.data_dir / "keys.json").read_text())
    staff = IdentitySigner(keys["identity_private_pem"], ttl_s=3600).sign(
        Caller(subject="fuzz-admin", kind="staff", roles=["admin"], channel="ops"))
    services = re.search(r"services \(internal\):\s+(.+)", stack.output()).group(1)  # type: ignore[union-attr]
    for name, url in re.findall(r"(\w+) (http://\S+?)(?:,|$)", services):
        yield f"service {name}", url, httpx.get(f"{url}/openapi.json", timeout=10).json(), {"X-Caller": staff}


def fuzz(name: str, base_url: str, document: dict[str, Any], headers: dict[str, str]) -> tuple[int, list[str]]:
    schema = schemathesis.openapi.from_dict(document)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if SKIP.search(operation.path):
            continue
        operations += 1

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            response = case.call(base_url=base_url, headers=headers, timeout=30)
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # every operation is fuzzed; failures are listed together
            failures.append(f"{name} {operation.method.upper()} {operation.path}: {str(exc)[:600]}")
    return operations, failures


def test_every_api_survives_fuzzing(running_stack: RunningStack) -> None:
    covered: dict[str, int] = {}
    failures: list[str] = []
    for name, base_url, document, headers in targets(running_stack):
        covered[name], found = fuzz(name, base_url, document, headers)
        failures += found
    assert covered["gateway /api"] >= 10 and covered["gateway /ops"] >= 40 and covered["gateway /his"] >= 10
    assert all(covered[f"service {s}"] >= 5 for s in ("entitlement", "claims", "payments")), covered
    assert failures == [], "\n\n".join(failures)
