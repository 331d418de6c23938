from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ENTITLEMENT_", extra="ignore")

    service_name: str = "entitlement"
    rule_sets_dir: Path | None = None  # default: the rule sets shipped in services/entitlement/rules/data
