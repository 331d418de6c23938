from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from kit.settings import DatabaseSettings, IdempotencySettings


class GatewaySettings(DatabaseSettings, IdempotencySettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    service_name: str = "gateway"
    log_level: str = "INFO"
    log_json: bool = True
    entitlement_url: str = "http://127.0.0.1:8001"
    claims_url: str = "http://127.0.0.1:8002"
    payments_url: str = "http://127.0.0.1:8003"
    interop_url: str = "http://127.0.0.1:8004"
    # Longer than the slowest service takes with its own retries (claims placing a hold: three tries
    # of 10 s and two pauses of up to 10 s, 50 s; plus waiting for a pool connection and a running
    # Idempotency-Key), so the gateway never gives up on a request that is still going to succeed
    # while the client retries into it (tests/gateway/test_timeouts.py).
    downstream_timeout_s: float = 75.0
    # Prometheus metrics on an internal listener (kit.metrics.serve); never on the public port.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None
    # Uploads are at most 10 MB per file; the form around the file adds a little.
    max_body_bytes: int = 10 * 1024 * 1024 + 64 * 1024
    # Ed25519 private key (PEM): signs staff access tokens and the caller tokens services trust.
    identity_private_key: SecretStr = SecretStr("")
    caller_token_ttl_s: int = 60
    # Donor accounts keep the ID number they bound, encrypted (kit.crypto), found by blind index.
    field_keys: dict[str, SecretStr] = Field(default_factory=dict)
    field_active_key_id: str = ""
    blind_index_key: SecretStr = SecretStr("")
    # The platform's person index key (kit.identity.person_index): a donor's caller token carries
    # that digest of their bound ID, never the number.
    identity_index_key: SecretStr = SecretStr("")
    # The mini-program client: WeChat login, sessions, identity binding by SMS.
    wechat_api_base: str = "http://127.0.0.1:8005"  # the WeChat SANDBOX unless a real one is configured
    wechat_appid: str = "wx-sandbox-appid"
    wechat_secret: SecretStr = SecretStr("wx-sandbox-secret")
    sandbox_mode: bool = False  # dev panel routes (/api/v1/dev/*): never on in production
    # XUEFEI_ENV=production refuses sandbox mode at start-up, whatever else is set.
    environment: str = Field("development", validation_alias="XUEFEI_ENV")
    # The SMS provider (Aliyun SendSms shape, gateway/donors/sms.py). Outside sandbox mode the gateway
    # refuses to start without a real one; `make run` points these at the SMS SANDBOX.
    sms_api_base: str = ""
    sms_access_key_id: str = ""
    sms_access_key_secret: SecretStr = SecretStr("")
    sms_sign_name: str = "血费减免"
    sms_template_code: str = "SMS_XF0001"
    donor_session_ttl_s: int = 7 * 24 * 3600
    # The browser client's session cookie is Secure whenever the request came over https; set this
    # behind a TLS-terminating proxy that forwards plain http.
    session_cookie_secure: bool = False
    sms_code_ttl_s: int = 300
    staff_token_ttl_s: int = 8 * 3600
    # Repeated wrong passwords from one address for one username: after this many, each further
    # try waits longer (lockout doubles). Per address, any username: at most this many a minute.
    login_ip_limit_per_min: int = 30
    login_free_failures: int = 5
    login_lockout_base_s: int = 2
    login_lockout_cap_s: int = 900
