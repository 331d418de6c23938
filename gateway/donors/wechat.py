"""WeChat's code-to-session exchange (jscode2session), the real call shape.

In development it points at the WeChat SANDBOX (sandboxes/wechat), which plays WeChat.
"""

from __future__ import annotations

import httpx

from kit import http
from kit.problems import ServiceUnavailable, Unauthorized


class WeChatClient:
    def __init__(self, client: httpx.AsyncClient, appid: str, secret: str) -> None:
        self._client, self._appid, self._secret = client, appid, secret

    async def code_to_openid(self, js_code: str) -> str:
        try:
            response = await http.send(self._client, "GET", "/sns/jscode2session", params={
                "appid": self._appid, "secret": self._secret, "js_code": js_code,
                "grant_type": "authorization_code"})
        except httpx.TransportError as exc:
            raise ServiceUnavailable("微信登录服务暂不可用 (WeChat login unavailable)") from exc
        if response.status_code >= 500:
            raise ServiceUnavailable("微信登录服务暂不可用 (WeChat login unavailable)")
        body = response.json()
        if body.get("errcode"):
            # 40029: invalid code, 40163: code already used, 45011: rate limited.
            raise Unauthorized(f"微信登录失败 (WeChat refused the code: {body.get('errcode')} {body.get('errmsg')})",
                               field="code")
        return str(body["openid"])
