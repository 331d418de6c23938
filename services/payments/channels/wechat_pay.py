"""WeChat Pay (微信支付) transfers: refused as not enabled until an adapter and its keys are deployed.

The real API fits the channel interface: 商家转账 `POST /v3/fund-app/mch-transfer/transfer-bills`
takes our merchant transfer number as `out_bill_no` (unique, at most 32 letters and digits;
ours are 24), `GET .../transfer-bills/out-bill-no/{out_bill_no}` queries it, and the fund-flow
bill (`/v3/bill/fundflowbill`) is the statement.
"""

from __future__ import annotations

from services.payments.channels.base import NotEnabledChannel

NOT_ENABLED = ("微信支付付款通道未启用 (wechat_pay channel is not enabled: set PAYMENTS_WECHAT_PAY_MCH_ID "
               "and deploy its adapter)")


class WechatPayChannel(NotEnabledChannel):
    name = "wechat_pay"
    not_enabled_message = NOT_ENABLED

    def __init__(self, mch_id: str = "") -> None:
        # Configured or not, this build carries no signing adapter, so nothing can be sent.
        self._mch_id = mch_id
