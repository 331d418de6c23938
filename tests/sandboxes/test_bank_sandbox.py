"""The bank sandbox: one payment per merchant number, settlement, bounces, statements, faults."""

from __future__ import annotations

import ast
import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandboxes.bank.app import create_app
from sandboxes.bank.ledger import Ledger
from sandboxes.bank.settings import SandboxSettings

ROOT = Path(__file__).resolve().parents[2]
TODAY = datetime.now(UTC).astimezone(timezone(timedelta(hours=8))).date().isoformat()


def order(number: str = "XF202611230000000000AA01", *, tail: str = "1234", amount_fen: int = 22_000) -> dict[str, Any]:
    return {"merchant_id": "XUEFEI", "merchant_transfer_no": number, "amount_fen": amount_fen,
            "payee_account_number": "622202123456" + tail, "payee_account_name": "张三",
            "payee_bank_name": "工商银行"}


@pytest.fixture
async def bank(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(SandboxSettings(settle_delay_s=3600, data_dir=tmp_path))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bank.test") as client:
        yield client


async def settle(bank: httpx.AsyncClient) -> None:
    assert (await bank.post("/sandbox/settle")).status_code == 200


async def test_a_transfer_is_accepted_then_settled_and_paid_once(bank) -> None:
    accepted = await bank.post("/api/transfers", json=order())
    assert accepted.status_code == 201
    assert accepted.json()["status"] == "processing"
    assert accepted.json()["payee_account_masked"] == "6222 **** **** 1234"
    assert (await bank.get("/sandbox/ledger")).json()["payouts"] == []
    await settle(bank)
    assert (await bank.get(f"/api/transfers/{order()['merchant_transfer_no']}")).json()["status"] == "settled"
    again = await bank.post("/api/transfers", json=order())
    assert again.status_code == 200 and again.json()["status"] == "settled"
    await settle(bank)
    ledger = (await bank.get("/sandbox/ledger")).json()
    assert [(p["merchant_transfer_no"], p["amount_fen"], p["account_tail"]) for p in ledger["payouts"]] == [
        (order()["merchant_transfer_no"], 22_000, "1234")]
    assert ledger["requests"][order()["merchant_transfer_no"]] == {"posts": 2, "queries": 1}


async def test_a_number_reused_for_another_transfer_is_refused(bank) -> None:
    await bank.post("/api/transfers", json=order())
    other = await bank.post("/api/transfers", json=order(amount_fen=1))
    assert other.status_code == 409 and other.json()["code"] == "DUPLICATE_TRANSFER_NO"


async def test_concurrent_submissions_of_one_number_pay_once(bank) -> None:
    responses = await asyncio.gather(*(bank.post("/api/transfers", json=order()) for _ in range(20)))
    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    await settle(bank)
    assert len((await bank.get("/sandbox/ledger")).json()["payouts"]) == 1


async def test_accounts_ending_0000_bounce_and_9999_are_refused(bank) -> None:
    await bank.post("/api/transfers", json=order("BOUNCE01", tail="0000"))
    refused = await bank.post("/api/transfers", json=order("FROZEN01", tail="9999"))
    assert refused.json()["status"] == "rejected" and "冻结" in refused.json()["reason"]
    await settle(bank)
    bounced = (await bank.get("/api/transfers/BOUNCE01")).json()
    assert bounced["status"] == "returned" and "账户不存在" in bounced["reason"]
    assert (await bank.get("/sandbox/ledger")).json()["payouts"] == []


async def test_an_unknown_number_is_a_404_with_a_code(bank) -> None:
    response = await bank.get("/api/transfers/NEVERSENT1")
    assert response.status_code == 404 and response.json()["code"] == "TRANSFER_NOT_FOUND"


async def test_the_statement_lists_the_days_accepted_transfers_and_honours_overrides(bank) -> None:
    for number, tail in (("LINE0001", "1234"), ("LINE0002", "0000"), ("LINE0003", "9999"), ("LINE0004", "5678")):
        await bank.post("/api/transfers", json=order(number, tail=tail))
    await settle(bank)
    await bank.post("/sandbox/statement-overrides", json={"merchant_transfer_no": "LINE0001", "amount_fen": 1})
    await bank.post("/sandbox/statement-overrides", json={"merchant_transfer_no": "LINE0004", "omit": True})
    statement = (await bank.get(f"/api/statements/{TODAY}")).json()
    assert [(line["merchant_transfer_no"], line["status"], line["amount_fen"]) for line in statement["lines"]] == [
        ("LINE0001", "settled", 1), ("LINE0002", "returned", 22_000)]
    assert (await bank.get("/api/statements/2000-01-01")).json()["lines"] == []


async def test_faults_fail_the_next_requests_then_clear(bank) -> None:
    await bank.post("/sandbox/faults", json={"mode": "error_500", "count": 1})
    failed = await bank.post("/api/transfers", json=order())
    assert failed.status_code == 500
    assert (await bank.get("/api/transfers/" + order()["merchant_transfer_no"])).status_code == 404  # nothing done
    assert (await bank.post("/api/transfers", json=order())).status_code == 201
    await bank.post("/sandbox/faults", json={"mode": "down", "count": None})
    for response in (await bank.get(f"/api/statements/{TODAY}"), await bank.get("/api/transfers/X1234567"),
                     await bank.post("/api/transfers", json=order("OTHER001"))):
        assert response.status_code == 503 and response.json()["code"] == "BANK_UNAVAILABLE"
    assert (await bank.get("/sandbox/faults")).json()["active"][0]["mode"] == "down"
    await bank.delete("/sandbox/faults")
    assert (await bank.get("/api/transfers/X1234567")).status_code == 404


async def test_a_timeout_fault_holds_then_answers_504_without_acting(bank) -> None:
    await bank.post("/sandbox/faults", json={"mode": "timeout", "hold_s": 0.05})
    response = await bank.post("/api/transfers", json=order())
    assert response.status_code == 504
    assert (await bank.get("/sandbox/ledger")).json()["transfers"] == []


async def test_a_lost_response_still_does_the_transfer(bank) -> None:
    await bank.post("/sandbox/faults", json={"mode": "lose_response"})
    with pytest.raises(ConnectionAbortedError):  # in-process, the cut connection surfaces as the error
        await bank.post("/api/transfers", json=order())
    assert (await bank.get("/api/transfers/" + order()["merchant_transfer_no"])).json()["status"] == "processing"


async def test_every_response_says_it_is_a_sandbox(bank) -> None:
    for response in (await bank.get("/"), await bank.get("/healthz"), await bank.get("/api/transfers/NOPE0001"),
                     await bank.post("/api/transfers", json={"merchant_transfer_no": "?"})):
        assert response.headers["x-sandbox"] == "bank"
    assert "BANK SANDBOX" in (await bank.get("/")).text


async def test_the_books_survive_a_restart_from_the_data_dir(tmp_path: Path) -> None:
    settings = SandboxSettings(settle_delay_s=0, data_dir=tmp_path)
    app = create_app(settings)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bank.test") as client:
        await client.post("/api/transfers", json=order())
        await settle(client)
    reopened = Ledger(settings)
    assert list(reopened.books.transfers) == [order()["merchant_transfer_no"]]
    assert len(reopened.books.payouts) == 1
    assert "622202123456" not in (tmp_path / "ledger.json").read_text()  # no whole account number on disk


async def test_concurrent_requests_share_writes_and_none_is_answered_before_it_is_on_disk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[str] = []
    real_write = Ledger._write_file

    def counted(path: Path, text: str) -> None:
        real_write(path, text)
        writes.append(text)

    monkeypatch.setattr(Ledger, "_write_file", staticmethod(counted))
    settings = SandboxSettings(settle_delay_s=3600, data_dir=tmp_path)
    app = create_app(settings)
    numbers = [f"XF2026112300000000{n:04d}01" for n in range(40)]

    def on_disk() -> dict[str, Any]:
        return json.loads((tmp_path / "ledger.json").read_text(encoding="utf-8"))

    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bank.test") as client:

        async def send_then_ask(number: str) -> None:
            assert (await client.post("/api/transfers", json=order(number))).status_code == 201
            books = on_disk()  # answered: the acceptance and this request's arrival are written
            assert books["transfers"][number]["status"] == "processing"
            assert books["requests"][number] == {"posts": 1, "queries": 0}
            assert (await client.get(f"/api/transfers/{number}")).json()["status"] == "processing"
            assert on_disk()["requests"][number] == {"posts": 1, "queries": 1}

        await asyncio.gather(*(send_then_ask(n) for n in numbers))
        settled = await client.post("/sandbox/settle")
        assert settled.json() == {"settled": 40}
        assert len(on_disk()["payouts"]) == 40  # answered, so written
    # 40 arrivals and 40 acceptances, 40 queries and a settlement: far fewer writes than changes.
    assert len(writes) < 60
    reopened = Ledger(settings)
    assert sorted(reopened.books.transfers) == numbers and len(reopened.books.payouts) == 40
    assert reopened.books.requests == {n: {"posts": 1, "queries": 1} for n in numbers}


def test_sandboxes_never_import_the_platform() -> None:
    forbidden = ("services", "gateway", "stack")
    for path in (ROOT / "sandboxes").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [n for n in names if n.split(".")[0] in forbidden], f"{path} imports {names}"
