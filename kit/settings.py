"""Settings base: every app subclasses it with its own env prefix (ENTITLEMENT_, CLAIMS_ ...)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = Field(
        "postgresql+asyncpg://postgres@localhost:5432/xuefei",
        description="SQLAlchemy URL; a unix socket is given as ?host=/path/to/dir",
    )
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_pool_timeout_s: float = 5.0
    db_statement_timeout_ms: int = 15_000


class IdempotencySettings(BaseSettings):
    """Idempotency-Key records (kit/idempotency.py)."""

    model_config = SettingsConfigDict(extra="ignore")

    idempotency_ttl_s: float = 48 * 3600  # a key is answered the same way for at least this long
    # A request holding a key renews this lease while it runs; once it lapses (the process died),
    # a retry with the key runs again if nothing had committed.
    idempotency_lease_s: float = 15.0
    idempotency_wait_s: float = 5.0  # a second request with a running key waits this long, then 409


class ServiceSettings(DatabaseSettings, IdempotencySettings):
    """What a back-end service needs: its database, field keys and the gateway's public key."""

    service_name: str = "service"
    log_level: str = "INFO"
    log_json: bool = True
    # Field encryption (DOMAIN.md 11): key id -> base64 32-byte key, and the one used to write.
    field_keys: dict[str, SecretStr] = Field(default_factory=dict)
    field_active_key_id: str = ""
    blind_index_key: SecretStr = SecretStr("")
    # The platform's one key for matching a signed-in person across apps (kit.identity.person_index):
    # the gateway signs a donor's identity as this digest, never as the ID number itself.
    identity_index_key: SecretStr = SecretStr("")
    # Ed25519 public key (PEM) of the gateway; services accept only identities it signed...
    identity_public_key: str = ""
    # ...or a peer service's own identity: this service's key, and the peers' public keys.
    service_private_key: SecretStr = SecretStr("")
    peer_public_keys: dict[str, str] = Field(default_factory=dict)
