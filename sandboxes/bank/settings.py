from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BANK_SANDBOX_", extra="ignore")

    # The ledger is kept in memory and, when set, in `<data_dir>/ledger.json` (survives restarts).
    data_dir: Path | None = None
    settle_delay_s: float = 3.0
    bounce_suffix: str = "0000"  # 账户不存在: accepted, then returned
    reject_suffix: str = "9999"  # 账户冻结: refused at once
