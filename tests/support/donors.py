"""A donor signed in on the client surface as a user would: WeChat sandbox code, session, identity
bound with the SMS code the SMS sandbox delivered."""

from __future__ import annotations

import re

import httpx


async def signed_in_donor(gateway: httpx.AsyncClient, openid: str, name: str, cert_number: str) -> dict[str, str]:
    code = (await gateway.post("/api/v1/dev/wx-code", json={"openid": openid})).json()["code"]
    login = await gateway.post("/api/v1/auth/wx-login", json={"code": code})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    started = await gateway.post("/api/v1/auth/bind/start", headers=headers,
                                 json={"name": name, "cert_type": "resident_id", "cert_number": cert_number})
    assert started.status_code == 200, started.text
    text = (await gateway.get("/api/v1/dev/sms")).json()[0]["text"]
    sms_code = re.search(r"验证码\s*(\d{6})", text).group(1)  # type: ignore[union-attr]
    verified = await gateway.post("/api/v1/auth/bind/verify", headers=headers,
                                  json={"challenge_id": started.json()["challenge_id"], "code": sms_code})
    assert verified.status_code == 200, verified.text
    return headers
