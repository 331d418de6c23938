"""Alipay (支付宝) transfers: refused as not enabled until an adapter and its keys are deployed.

The real API fits the channel interface: `alipay.fund.trans.uni.transfer` takes our merchant
transfer number as `out_biz_no` (unique per merchant, at most 64 characters; ours are 24),
`alipay.fund.trans.common.query` finds a transfer by it, and the daily bill
(`alipay.data.dataservice.bill.downloadurl.query`) is the statement.
"""

from __future__ import annotations

from services.payments.channels.base import NotEnabledChannel

NOT_ENABLED = "支付宝付款通道未启用 (alipay channel is not enabled: set PAYMENTS_ALIPAY_APP_ID and deploy its adapter)"


class AlipayChannel(NotEnabledChannel):
    name = "alipay"
    not_enabled_message = NOT_ENABLED

    def __init__(self, app_id: str = "") -> None:
        # Configured or not, this build carries no signing adapter, so nothing can be sent.
        self._app_id = app_id
