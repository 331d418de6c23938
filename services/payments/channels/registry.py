"""Every channel this deployment knows, built from settings; one HTTP client each."""

from __future__ import annotations

import httpx

from services.payments.channels.alipay import AlipayChannel
from services.payments.channels.bank_transfer import BankTransferChannel
from services.payments.channels.base import Channel
from services.payments.channels.wechat_pay import WechatPayChannel
from services.payments.settings import Settings


def build_channels(settings: Settings, *, bank_transport: httpx.AsyncBaseTransport | None = None) -> dict[str, Channel]:
    """`bank_transport` lets tests put an in-process bank sandbox behind the real client."""
    return {
        "bank_transfer": BankTransferChannel(settings.bank_url, merchant_id=settings.bank_merchant_id,
                                             timeout_s=settings.bank_timeout_s, transport=bank_transport),
        "alipay": AlipayChannel(settings.alipay_app_id),
        "wechat_pay": WechatPayChannel(settings.wechat_pay_mch_id),
    }


def enabled(channels: dict[str, Channel]) -> frozenset[str]:
    return frozenset(name for name, channel in channels.items() if channel.enabled)


async def close_all(channels: dict[str, Channel]) -> None:
    for channel in channels.values():
        await channel.aclose()
