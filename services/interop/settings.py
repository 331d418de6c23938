from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from kit.body_limit import UPLOAD_LIMIT
from kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTEROP_", extra="ignore")

    service_name: str = "interop"
    # The provinces this platform serves (GB/T 2260): a message addressed elsewhere is refused.
    provinces: list[str] = ["11"]
    # Where partners reach us (the gateway): the signed @target-uri is checked against it.
    public_base_url: str = "http://127.0.0.1:8000"
    claims_url: str = "http://127.0.0.1:8002"
    entitlement_url: str = "http://127.0.0.1:8001"
    payments_url: str = "http://127.0.0.1:8003"
    downstream_timeout_s: float = 10.0
    partner_timeout_s: float = 10.0
    # RFC 9421 `created` is refused outside now +- this; nonces are kept twice as long.
    signature_window_s: int = 300
    # A document (10 MB); other messages are held to 1 MB before this by the body limit (kit.body_limit).
    max_message_bytes: int = UPLOAD_LIMIT
    outbox_enabled: bool = True
    outbox_poll_s: float = 0.5
    outbox_retry_base_s: float = 1.0
    outbox_retry_cap_s: float = 60.0
