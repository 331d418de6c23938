"""SMS codes through a Chinese SMS provider's API, shaped as Aliyun's 短信服务 SendSms: an RPC call
signed with HMAC-SHA1 over the sorted, percent-encoded parameters, naming a registered sign
(签名) and template (模板) filled with parameters. The text itself is the provider's template:
this side never composes or stores it. In development the SMS SANDBOX (sandboxes/sms) plays the
provider over HTTP with the very same request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from typing import Protocol
from urllib.parse import quote

import httpx
import structlog

from kit import clock, http
from kit.crypto import mask_phone
from kit.problems import ServiceUnavailable

log = structlog.get_logger(__name__)
API_VERSION = "2017-05-25"
# The access key id the SMS SANDBOX accepts (sandboxes/sms): never valid outside sandbox mode.
SANDBOX_KEY_ID = "LTAI-sms-sandbox"


class SmsSender(Protocol):
    async def send_code(self, phone: str, code: str, minutes: int) -> None: ...


def percent_encode(value: str) -> str:
    """RFC 3986 with the provider's rules: space %20, '*' %2A, '~' kept."""
    return quote(value, safe="-_.~")


def sign(params: dict[str, str], secret: str, method: str = "POST") -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsSender:
    def __init__(self, client: httpx.AsyncClient, *, access_key_id: str, access_key_secret: str, sign_name: str,
                 template_code: str) -> None:
        self._client, self._key_id, self._secret = client, access_key_id, access_key_secret
        self._sign_name, self._template = sign_name, template_code

    def request(self, phone: str, code: str, minutes: int) -> dict[str, str]:
        params = {
            "Action": "SendSms", "Version": API_VERSION, "Format": "JSON", "RegionId": "cn-hangzhou",
            "AccessKeyId": self._key_id, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
            "SignatureNonce": uuid.uuid4().hex, "Timestamp": clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "PhoneNumbers": phone, "SignName": self._sign_name, "TemplateCode": self._template,
            "TemplateParam": json.dumps({"code": code, "minutes": str(minutes)}, separators=(",", ":")),
        }
        return {**params, "Signature": sign(params, self._secret)}

    async def send_code(self, phone: str, code: str, minutes: int) -> None:
        try:
            # A POST form, so the phone number stays out of URLs and access logs.
            response = await http.send(self._client, "POST", "/", data=self.request(phone, code, minutes))
        except httpx.TransportError as exc:
            raise ServiceUnavailable("短信服务暂不可用，请稍后再试 (SMS provider unavailable)") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or body.get("Code") != "OK":
            # Logged without the phone or the code: the provider's code and request id say enough.
            log.warning("sms refused", phone=mask_phone(phone), status=response.status_code,
                        provider_code=body.get("Code"), request_id=body.get("RequestId"))
            raise ServiceUnavailable("短信发送失败，请稍后再试 (the SMS provider refused the message)")
