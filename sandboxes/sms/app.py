"""A stand-in for an SMS provider's SendSms API (Aliyun 短信服务 shape), for development and tests.

It checks what the real provider checks: the access key, the HMAC-SHA1 signature over the sorted
parameters, the timestamp (15 minutes either way) and a fresh nonce, a registered sign name and
template and a mainland mobile number; then renders the template as the phone would show it.
Nothing leaves the machine: the messages are kept in memory for the client's dev panel
(`GET /sandbox/messages`). Refusals use the provider's codes with HTTP 200 or 400 as it does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from kit import clock

SANDBOX_KEY_ID = "LTAI-sms-sandbox"
SANDBOX_KEY_SECRET = "sms-sandbox-secret"
SIGN_NAMES = ("血费减免",)
TEMPLATES = {"SMS_XF0001": "【{sign}】您正在绑定无偿献血者身份，验证码 {code}，{minutes} 分钟内有效。"
                           "如非本人操作请忽略。"}
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def _expected_signature(params: dict[str, str], secret: str, method: str) -> str:
    canonical = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items()) if k != "Signature")
    to_sign = f"{method}&{_encode('/')}&{_encode(canonical)}"
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


def _mask(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "****"


def create_app(key_id: str = SANDBOX_KEY_ID, key_secret: str = SANDBOX_KEY_SECRET) -> FastAPI:
    app = FastAPI(title="SMS SANDBOX (not an SMS provider)", description=__doc__)
    messages: deque[dict[str, str]] = deque(maxlen=200)
    nonces: dict[str, float] = {}

    def answer(code: str, message: str, status: int = 200, **extra: str) -> JSONResponse:
        return JSONResponse({"Code": code, "Message": message, "RequestId": uuid.uuid4().hex.upper(), **extra},
                            status_code=status, headers={"X-Sandbox": "sms"})

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "sandbox": "sms"}

    @app.post("/")
    async def send_sms(request: Request) -> JSONResponse:
        params = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
        if params.get("Action") != "SendSms":
            return answer("InvalidAction.NotFound", "Specified api is not found", 404)
        if params.get("AccessKeyId") != key_id:
            return answer("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        if not hmac.compare_digest(params.get("Signature", ""), _expected_signature(params, key_secret, "POST")):
            return answer("SignatureDoesNotMatch", "Specified signature is not matched with our calculation.", 400)
        try:
            sent_at = datetime.strptime(params.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return answer("InvalidTimeStamp.Format", "Specified time stamp is not valid.", 400)
        if abs(clock.epoch_s() - sent_at.timestamp()) > 900:
            return answer("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", 400)
        nonce = params.get("SignatureNonce", "")
        now = time.monotonic()
        for old in [n for n, at in nonces.items() if now - at > 900]:
            del nonces[old]
        if not nonce or nonce in nonces:
            return answer("SignatureNonceUsed", "Specified signature nonce was used already.", 400)
        nonces[nonce] = now
        phone = params.get("PhoneNumbers", "")
        if not MOBILE.match(phone):
            return answer("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if params.get("SignName") not in SIGN_NAMES:
            return answer("isv.SMS_SIGNATURE_ILLEGAL", "签名不合法")
        template = TEMPLATES.get(params.get("TemplateCode", ""))
        if template is None:
            return answer("isv.SMS_TEMPLATE_ILLEGAL", "模板不合法")
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
            text = template.format(sign=params["SignName"], **values)
        except (ValueError, KeyError):
            return answer("isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量")
        biz_id = f"{clock.epoch_s()}^{uuid.uuid4().hex[:10]}"
        messages.appendleft({"phone_masked": _mask(phone), "text": text, "sent_at": sent_at.isoformat(),
                             "biz_id": biz_id})
        return answer("OK", "OK", BizId=biz_id)

    @app.get("/sandbox/messages")
    async def recent(limit: int = 10) -> list[dict[str, str]]:
        """What the sandbox 'delivered', newest first (the phone masked)."""
        return list(messages)[: max(1, min(limit, 50))]

    return app


def app_from_env() -> FastAPI:
    return create_app(os.environ.get("SMS_SANDBOX_KEY_ID", SANDBOX_KEY_ID),
                      os.environ.get("SMS_SANDBOX_KEY_SECRET", SANDBOX_KEY_SECRET))
