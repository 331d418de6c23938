from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CLAIMS_", extra="ignore")

    service_name: str = "claims"
    entitlement_url: str = "http://127.0.0.1:8001"
    payments_url: str = "http://127.0.0.1:8003"
    # The interop service (跨省异地减免); empty: no partners, every claim is decided here.
    interop_url: str = ""
    downstream_timeout_s: float = 10.0
    simulation_timeout_s: float = 120.0  # a what-if over a period's cases (admin only)
    documents_dir: Path = Path("./var/documents")
    max_document_bytes: int = 10 * 1024 * 1024
    review_working_days: int = 10  # "审核在10个工作日内完成"
    payment_working_days: int = 10  # "审核通过后10个工作日内支付": later than that is on the alarm list
    # Approvals above this go to a second reviewer (大额报销要做好复核); 5,000 yuan by default.
    second_review_threshold_fen: int = 500_000
    # A reviewer's soft lock lapses this long after its last renewal (the console renews every minute).
    review_lock_ttl_s: int = 300
    notice_valid_days: int = 7  # a reduction notice (and its hold) lapses after this many days
    outbox_poll_s: float = 1.0  # how long the outbox waits after a pass that found nothing due
    # Rows leased per pass and delivered concurrently; each holds a database connection only while
    # it records its outcome, so keep it well within the pool (the API shares it).
    outbox_batch_size: int = 10
    outbox_enabled: bool = True
    # Outbox rows: exponential backoff with jitter, then a dead letter after this many attempts
    # (a 4xx refusal at once); with the defaults a row keeps trying for about an hour and a half.
    outbox_max_attempts: int = 20
    outbox_retry_base_s: float = 2.0
    outbox_retry_cap_s: float = 300.0
    # A hold whose owner never recorded it (the process died between the two) is released after
    # this; it must outlast the slowest submit or notice (entitlement's timeout times its retries).
    hold_guard_grace_s: float = 120.0
