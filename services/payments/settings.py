from __future__ import annotations

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENTS_", extra="ignore")

    service_name: str = "payments"
    # Bank-transfer channel (银行转账). `make run` points it at the bank sandbox unless set.
    bank_url: str = "http://127.0.0.1:8009"
    bank_timeout_s: float = 10.0
    bank_merchant_id: str = "XUEFEI"
    # Alipay and WeChat Pay: refused as "not enabled" until an adapter and its keys are deployed.
    alipay_app_id: str = ""
    wechat_pay_mch_id: str = ""
    claims_url: str = "http://127.0.0.1:8002"
    claims_timeout_s: float = 10.0
    interop_url: str = ""  # inter-province statements' payment events (empty: none are paid here)
    # Worker: how often it looks for work when idle, how much it takes per pass.
    worker_idle_s: float = 1.0
    worker_batch_size: int = 10  # handled concurrently: keep within the pool (size + overflow)
    # The worker's Prometheus metrics (kit.metrics.serve); off unless a port is given.
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int | None = None
    # A claimed disbursement or event is skipped by other workers for this long. It must outlast
    # one channel call, or a second worker could ask the bank while the first still waits.
    lease_s: float = 60.0
    # Sending: capped exponential backoff with jitter after an error or an unknown outcome.
    retry_base_s: float = 5.0
    retry_cap_s: float = 600.0
    # A transfer the bank has accepted is queried until it settles or bounces: first this long after
    # acceptance (a transfer under 实时到账 settles within seconds; the sandbox after 3 s), then at
    # doubling intervals (3, 6, 12, 24 s ...) up to `sent_poll_s`, and every `sent_poll_s` after that.
    # The first query is never later than `sent_poll_s`.
    sent_first_poll_s: float = 3.0
    sent_poll_s: float = 30.0
    outbox_retry_base_s: float = 2.0
    outbox_retry_cap_s: float = 300.0
    # Then a dead letter for ops (a 4xx refusal at once); with the defaults about an hour and a half.
    outbox_max_attempts: int = 20
    # A transfer still pending or sent this long after its last change is on the ops alarm list.
    stuck_transfer_alarm_s: float = 24 * 3600
    # The daily reconciliation of yesterday runs after this hour (China time): statements are final.
    reconciliation_hour: int = 2
    reconciliation_enabled: bool = True

    @model_validator(mode="after")
    def _lease_outlasts_a_call(self) -> Settings:
        if self.lease_s <= self.bank_timeout_s:
            raise ValueError("lease_s must be longer than bank_timeout_s (one channel call)")
        return self
