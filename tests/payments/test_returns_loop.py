"""A bounced transfer goes back to the applicant; the corrected account is a new attempt of the
same disbursement, with a new merchant number, paid once."""

from __future__ import annotations

from typing import Any

from tests.payments.support import body, eventually, unique_events


async def _state(rig, disbursement_id: str) -> dict[str, Any]:
    return (await rig.api.get(f"/v1/disbursements/{disbursement_id}")).json()


async def _until(rig, disbursement_id: str, state: str) -> dict[str, Any]:
    async def reached() -> bool:
        return (await _state(rig, disbursement_id))["state"] == state

    await eventually(reached, step=rig.work, what=state)
    return await _state(rig, disbursement_id)


async def _events(rig, n: int) -> list[dict[str, Any]]:
    async def arrived() -> bool:
        return len(unique_events(rig.claims)) >= n

    await eventually(arrived, step=rig.work, what=f"{n} events")
    return sorted(unique_events(rig.claims).values(), key=lambda e: e["occurred_at"])


async def test_a_returned_transfer_is_corrected_and_paid_under_the_same_disbursement(rig) -> None:
    created = (await rig.api.post("/v1/disbursements", json=body("claim:r1", tail="0000"),
                                  headers={"Idempotency-Key": "claim:r1"})).json()
    returned = await _until(rig, created["id"], "returned")
    assert "账户不存在" in returned["history"][-1]["reason"]
    [event] = await _events(rig, 1)
    assert (event["event"], event["source_ref"], event["amount_fen"]) == ("returned", "claim:r1", 44_000)
    assert "账户不存在" in event["reason"]

    correction = {"payee": body(tail="4321")["payee"], "reason": "申请人更正银行卡号"}
    corrected = await rig.api.post(f"/v1/disbursements/{created['id']}/payee", json=correction,
                                   headers={"Idempotency-Key": "payee:r1:1"})
    assert corrected.status_code == 200, corrected.text
    after = corrected.json()
    assert (after["state"], after["attempt"], after["send_tries"]) == ("pending", 2, 0)
    assert after["merchant_transfer_no"] != created["merchant_transfer_no"]
    assert after["merchant_transfer_no"].endswith("02")
    assert after["payee"]["account_number_masked"] == "6222 **** **** 4321"
    assert "申请人更正银行卡号" in after["history"][-1]["reason"]

    # The correction's retry (its response was lost, say) is answered, not refused.
    replay = await rig.api.post(f"/v1/disbursements/{created['id']}/payee", json=correction,
                                headers={"Idempotency-Key": "payee:r1:1"})
    assert replay.status_code == 200 and replay.json()["attempt"] == 2

    paid = await _until(rig, created["id"], "succeeded")
    assert [(h["from_state"], h["to_state"], h["attempt"]) for h in paid["history"]] == [
        (None, "pending", 1), ("pending", "sent", 1), ("sent", "returned", 1), ("returned", "pending", 2),
        ("pending", "sent", 2), ("sent", "succeeded", 2)]
    events = await _events(rig, 2)
    assert [e["event"] for e in events] == ["returned", "succeeded"]
    assert all(e["disbursement_id"] == created["id"] for e in events)
    ledger = await rig.ledger()
    statuses = {t["merchant_transfer_no"]: t["status"] for t in ledger["transfers"]}
    assert statuses == {created["merchant_transfer_no"]: "returned", after["merchant_transfer_no"]: "settled"}
    assert [(p["merchant_transfer_no"], p["account_tail"]) for p in ledger["payouts"]] == [
        (after["merchant_transfer_no"], "4321")]


async def test_a_correction_key_reused_for_another_account_is_a_409(rig) -> None:
    created = (await rig.api.post("/v1/disbursements", json=body("claim:r2", tail="0000"),
                                  headers={"Idempotency-Key": "claim:r2"})).json()
    await _until(rig, created["id"], "returned")
    path = f"/v1/disbursements/{created['id']}/payee"
    first = await rig.api.post(path, json={"payee": body(tail="4321")["payee"], "reason": "更正"},
                               headers={"Idempotency-Key": "fix-1"})
    assert first.status_code == 200
    other = await rig.api.post(path, json={"payee": body(tail="8765")["payee"], "reason": "更正"},
                               headers={"Idempotency-Key": "fix-1"})
    assert other.status_code == 409 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    without_key = await rig.api.post(path, json={"payee": body(tail="8765")["payee"], "reason": "更正"})
    assert without_key.status_code == 409  # pending again: nothing to correct


async def test_a_correction_that_bounces_again_goes_back_again(rig) -> None:
    created = (await rig.api.post("/v1/disbursements", json=body("claim:r3", tail="0000"),
                                  headers={"Idempotency-Key": "claim:r3"})).json()
    await _until(rig, created["id"], "returned")
    wrong_again = {"payee": body(tail="0000", name="张三")["payee"] | {"bank_name": "建设银行"}, "reason": "再次更正"}
    await rig.api.post(f"/v1/disbursements/{created['id']}/payee", json=wrong_again)
    again = await _until(rig, created["id"], "returned")
    assert again["attempt"] == 2
    assert [e["event"] for e in await _events(rig, 2)] == ["returned", "returned"]
    assert (await rig.ledger())["payouts"] == []
