"""WeChat Pay (微信支付) transfers: refused as not enabled until an adapter and its keys are deployed.

The real API fits the channel interface: 商家转账 `POST /v3/fund-app/mch-transfer/transfer-bills`
takes our merchant transfer number as `out_bill_no` (unique, at most 32 letters and digits;
ours are 24), `GET .../transfer-bills/out-bill-no/{out_bill_no}` queries it, and the fund-flow
bill (`/v3/bill/fundflowbill`) is the statement.
"""

from __future__ import annotations

from datetime import date

from services.payments.channels.base import (
    ChannelNotEnabled,
    StatementLine,
    TransferRequest,
    TransferStatus,
)

NOT_ENABLED = ("微信支付付款通道未启用 (wechat_pay channel is not enabled: set PAYMENTS_WECHAT_PAY_MCH_ID "
               "and deploy its adapter)")


class WechatPayChannel:
    name = "wechat_pay"

    def __init__(self, mch_id: str = "") -> None:
        self._mch_id = mch_id

    @property
    def enabled(self) -> bool:
        return False

    async def send(self, request: TransferRequest) -> TransferStatus:
        raise ChannelNotEnabled(NOT_ENABLED)

    async def query(self, merchant_transfer_no: str) -> TransferStatus:
        raise ChannelNotEnabled(NOT_ENABLED)

    async def statement(self, day: date) -> list[StatementLine]:
        raise ChannelNotEnabled(NOT_ENABLED)

    async def aclose(self) -> None:
        return None
