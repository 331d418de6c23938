"""Development keys, generated into the data dir on first start (mode 0600).

Production supplies the same values through environment variables instead.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from kit.identity import generate_identity_keypair

SERVICES = ("entitlement", "claims", "payments")
# Apps that store encrypted fields: the services, and the gateway (donor accounts' bound ID).
FIELD_KEY_OWNERS = (*SERVICES, "gateway")


@dataclass(frozen=True)
class DevKeys:
    identity_private_pem: str
    identity_public_pem: str
    field_keys: dict[str, dict[str, str]]  # service -> {key id: base64 key}
    blind_index_keys: dict[str, str]  # service -> base64 key
    service_keypairs: dict[str, list[str]]  # service -> [private PEM, public PEM] for peer calls
    identity_index_key: str = ""  # one for the platform: the person index in caller tokens

    def service_env(self, service: str) -> dict[str, str]:
        prefix = service.upper() + "_"
        key_ids = sorted(self.field_keys[service])
        return {
            prefix + "FIELD_KEYS": json.dumps(self.field_keys[service]),
            prefix + "FIELD_ACTIVE_KEY_ID": key_ids[-1],
            prefix + "BLIND_INDEX_KEY": self.blind_index_keys[service],
            prefix + "IDENTITY_INDEX_KEY": self.identity_index_key,
            prefix + "IDENTITY_PUBLIC_KEY": self.identity_public_pem,
            prefix + "SERVICE_PRIVATE_KEY": self.service_keypairs[service][0],
            prefix + "PEER_PUBLIC_KEYS": json.dumps(
                {peer: pair[1] for peer, pair in self.service_keypairs.items() if peer != service}),
        }

    def gateway_env(self) -> dict[str, str]:
        return {
            "GATEWAY_IDENTITY_PRIVATE_KEY": self.identity_private_pem,
            "GATEWAY_FIELD_KEYS": json.dumps(self.field_keys["gateway"]),
            "GATEWAY_FIELD_ACTIVE_KEY_ID": sorted(self.field_keys["gateway"])[-1],
            "GATEWAY_BLIND_INDEX_KEY": self.blind_index_keys["gateway"],
            "GATEWAY_IDENTITY_INDEX_KEY": self.identity_index_key,
        }


def _b64_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def generate() -> DevKeys:
    private, public = generate_identity_keypair()
    return DevKeys(
        identity_private_pem=private,
        identity_public_pem=public,
        field_keys={s: {"k1": _b64_key()} for s in FIELD_KEY_OWNERS},
        blind_index_keys={s: _b64_key() for s in FIELD_KEY_OWNERS},
        service_keypairs={s: list(generate_identity_keypair()) for s in SERVICES},
        identity_index_key=_b64_key(),
    )


def load_or_create(path: Path) -> DevKeys:
    if path.exists():
        data = json.loads(path.read_text())
        # A data dir from an older version may lack keys added since: add them, keep the rest.
        for owner in FIELD_KEY_OWNERS:
            data["field_keys"].setdefault(owner, {"k1": _b64_key()})
            data["blind_index_keys"].setdefault(owner, _b64_key())
        if not data.get("identity_index_key"):
            data["identity_index_key"] = _b64_key()
        keys = DevKeys(**data)
        path.write_text(json.dumps(keys.__dict__, indent=2))
        return keys
    keys = generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(keys.__dict__, f, indent=2)
    return keys
