"""Issue 11.6: SMS codes go through a provider's signed API (Aliyun SendSms shape), played by the
SMS sandbox over HTTP; the gateway will not start half-configured or in sandbox mode in production."""

from __future__ import annotations

import httpx
import pytest

from gateway.app import UnsafeConfiguration, create_app
from gateway.donors.sms import AliyunSmsSender
from kit.problems import ServiceUnavailable
from sandboxes.sms.app import SANDBOX_KEY_ID, SANDBOX_KEY_SECRET
from sandboxes.sms.app import create_app as create_sms_sandbox
from stack import keys as devkeys
from tests.support.apps import gateway_settings


def sender(secret: str = SANDBOX_KEY_SECRET) -> tuple[AliyunSmsSender, httpx.AsyncClient]:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_sms_sandbox()), base_url="http://sms.test")
    return AliyunSmsSender(client, access_key_id=SANDBOX_KEY_ID, access_key_secret=secret, sign_name="血费减免",
                           template_code="SMS_XF0001"), client


async def test_a_signed_request_is_delivered_with_the_providers_template() -> None:
    sms, client = sender()
    async with client:
        request = sms.request("13912345678", "123456", 5)
        assert {k: request[k] for k in ("Action", "TemplateCode", "SignatureMethod")} == {
            "Action": "SendSms", "TemplateCode": "SMS_XF0001", "SignatureMethod": "HMAC-SHA1"}
        assert "验证码" not in str(request)  # only template parameters travel; the text is the provider's
        await sms.send_code("13912345678", "123456", 5)
        delivered = (await client.get("/sandbox/messages")).json()[0]
    assert delivered["phone_masked"] == "139****5678"
    assert delivered["text"] == ("【血费减免】您正在绑定无偿献血者身份，验证码 123456，5 分钟内有效。"
                                 "如非本人操作请忽略。")


async def test_a_wrong_secret_or_a_tampered_or_replayed_request_is_refused() -> None:
    bad, client = sender(secret="not-the-secret")
    async with client:
        with pytest.raises(ServiceUnavailable):
            await bad.send_code("13912345678", "123456", 5)
        good, _ = sender()
        signed = AliyunSmsSender(client, access_key_id=SANDBOX_KEY_ID, access_key_secret=SANDBOX_KEY_SECRET,
                                 sign_name="血费减免", template_code="SMS_XF0001").request("13912345678", "123456", 5)
        tampered = await client.post("/", data={**signed, "PhoneNumbers": "13800000000"})
        assert tampered.json()["Code"] == "SignatureDoesNotMatch"
        assert (await client.post("/", data=signed)).json()["Code"] == "OK"
        assert (await client.post("/", data=signed)).json()["Code"] == "SignatureNonceUsed"
        assert (await client.get("/sandbox/messages")).json()[0]["phone_masked"] == "139****5678"


def test_sandbox_mode_is_refused_in_production(database_url: str, keys: devkeys.DevKeys) -> None:
    with pytest.raises(UnsafeConfiguration, match="XUEFEI_ENV=production"):
        create_app(gateway_settings(database_url, keys, environment="production"))


def test_outside_sandbox_mode_a_real_sms_provider_is_required(database_url: str, keys: devkeys.DevKeys) -> None:
    with pytest.raises(UnsafeConfiguration, match="not the SMS sandbox"):
        create_app(gateway_settings(database_url, keys, sandbox_mode=False))
    with pytest.raises(UnsafeConfiguration, match="no SMS provider"):
        create_app(gateway_settings(database_url, keys, sandbox_mode=False, sms_api_base="",
                                    sms_access_key_id=""))
    real = create_app(gateway_settings(database_url, keys, sandbox_mode=False, environment="production",
                                       sms_api_base="https://dysmsapi.aliyuncs.com", sms_access_key_id="LTAI5tReal",
                                       sms_access_key_secret="real-secret"))
    assert not [r for r in real.routes if getattr(r, "path", "").startswith("/api/v1/dev/")]
