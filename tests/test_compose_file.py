"""compose.yaml is valid Compose and wires the platform as intended.

Docker cannot run in tests, so the file is checked against the Compose Specification's own
JSON schema (vendored in contracts/, see README-compose-schema.md) plus the structural
rules this platform relies on.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from jsonschema.validators import validator_for

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "contracts" / "compose-spec.schema.json"
APP_PORTS = {"entitlement": 8001, "claims": 8002, "payments": 8003, "gateway": 8000}
APP_SERVICES = ["migrate", *APP_PORTS]
BACKENDS = ["entitlement", "claims", "payments"]
# A whole value that is one interpolation; `:?` makes compose refuse to start when unset.
REQUIRED_VAR = re.compile(r"\$\{[A-Z][A-Z0-9_]*:\?[^}]*\}")
INTERPOLATION = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}")
SECRET_NAME = re.compile(r"KEY|PASSWORD|SECRET|TOKEN", re.IGNORECASE)
# scheme://user:password@host, where user and password may themselves be ${...}
URL_PASSWORD = re.compile(r"://(?:\$\{[^}]*\}|[^:/@$])+:(\$\{[^}]*\}|[^@]*)@")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    cls = validator_for(schema)  # picks the class for the schema's declared "$schema"
    cls.check_schema(schema)
    return cls(schema)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def test_vendored_schema_is_the_compose_specification(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Compose Specification"
    assert validator_for(schema) is jsonschema.Draft202012Validator


def test_vendored_schema_matches_the_checksum_in_its_readme() -> None:
    # The schema is copied byte for byte from its package; an edit would weaken the check.
    readme = (ROOT / "contracts" / "README-compose-schema.md").read_text(encoding="utf-8")
    recorded = re.search(r"sha256: `([0-9a-f]{64})`", readme)
    assert recorded is not None
    assert hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest() == recorded.group(1)


def test_compose_file_is_valid_against_the_compose_specification(
    validator: jsonschema.protocols.Validator, compose: dict[str, Any]
) -> None:
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def _error_paths(errors: Iterable[jsonschema.ValidationError]) -> set[tuple[str | int, ...]]:
    # oneOf failures carry the precise reason in their context; collect it too.
    paths: set[tuple[str | int, ...]] = set()
    for error in errors:
        paths.add(tuple(error.absolute_path))
        paths |= _error_paths(error.context or [])
    return paths


def _copy(compose: dict[str, Any]) -> dict[str, Any]:
    # A JSON round trip, not deepcopy: YAML aliases (*after-migrations) load as one shared
    # object, and deepcopy would keep it shared, so one edit would change several services.
    copied: dict[str, Any] = json.loads(json.dumps(compose))
    return copied


def test_broken_depends_on_condition_fails_validation(
    validator: jsonschema.protocols.Validator, compose: dict[str, Any]
) -> None:
    broken = _copy(compose)
    broken["services"]["claims"]["depends_on"]["postgres"]["condition"] = "service_ready"
    paths = _error_paths(validator.iter_errors(broken))
    assert ("services", "claims", "depends_on", "postgres", "condition") in paths
    assert {path[:2] for path in paths} == {("services", "claims")}


def test_unknown_service_attribute_fails_validation(
    validator: jsonschema.protocols.Validator, compose: dict[str, Any]
) -> None:
    broken = _copy(compose)
    broken["services"]["gateway"]["depends"] = ["claims"]
    assert not validator.is_valid(broken)


def test_exactly_the_platform_services(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == {"postgres", "migrate", "entitlement", "claims", "payments", "payments-worker",
                             "gateway"}


def test_postgres_is_healthchecked_with_pg_isready(services: dict[str, dict[str, Any]]) -> None:
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:16"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_postgres_keeps_its_data_in_a_named_volume(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    volume = services["postgres"]["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_build_this_repository_and_state_a_command(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    service = services[name]
    assert service["build"] == "."
    assert service["command"]


def test_migrate_is_a_one_shot_job_after_postgres(services: dict[str, dict[str, Any]]) -> None:
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "-m", "stack", "migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}


@pytest.mark.parametrize("name", APP_PORTS)
def test_services_wait_for_healthy_postgres_and_finished_migrations(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    depends_on = services[name]["depends_on"]
    assert depends_on["postgres"] == {"condition": "service_healthy"}
    assert depends_on["migrate"] == {"condition": "service_completed_successfully"}


@pytest.mark.parametrize(("name", "port"), APP_PORTS.items())
def test_services_listen_on_their_port_and_check_readyz_there(
    services: dict[str, dict[str, Any]], name: str, port: int
) -> None:
    service = services[name]
    command = service["command"]
    assert command[:2] == ["uvicorn", "--factory"]
    assert command[command.index("--port") + 1] == str(port)
    assert command[command.index("--host") + 1] == "0.0.0.0"
    probe = " ".join(service["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/readyz" in probe


def test_gateway_waits_for_the_three_services_healthy(
    services: dict[str, dict[str, Any]],
) -> None:
    depends_on = services["gateway"]["depends_on"]
    for backend in BACKENDS:
        assert depends_on[backend] == {"condition": "service_healthy"}


def test_gateway_reaches_services_by_name(services: dict[str, dict[str, Any]]) -> None:
    env = _environment(services["gateway"])
    for backend in BACKENDS:
        assert env[f"GATEWAY_{backend.upper()}_URL"] == f"http://{backend}:{APP_PORTS[backend]}"


def test_only_the_gateway_publishes_a_port(services: dict[str, dict[str, Any]]) -> None:
    published = {name: s["ports"] for name, s in services.items() if s.get("ports")}
    assert published == {"gateway": ["8000:8000"]}


@pytest.mark.parametrize("name", APP_PORTS)
def test_apps_read_only_their_own_prefix_and_reach_postgres_by_name(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    env = _environment(services[name])
    prefix = f"{name.upper()}_"
    # Besides its own settings: XUEFEI_ENV, the one platform-wide setting (production refuses sandbox
    # mode), and OpenTelemetry's standard variables (read by kit.tracing).
    assert all(key.startswith((prefix, "OTEL_")) or key == "XUEFEI_ENV" for key in env)
    url = env[prefix + "DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in url


@pytest.mark.parametrize("name", BACKENDS)
def test_services_get_their_keys_from_the_environment(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    env = _environment(services[name])
    for setting in ["FIELD_KEYS", "FIELD_ACTIVE_KEY_ID", "BLIND_INDEX_KEY", "IDENTITY_PUBLIC_KEY"]:
        assert REQUIRED_VAR.fullmatch(env[f"{name.upper()}_{setting}"]), setting


def test_migrate_gets_the_database_url(services: dict[str, dict[str, Any]]) -> None:
    env = _environment(services["migrate"])
    assert set(env) == {"DATABASE_URL"}
    assert "@postgres:5432/" in env["DATABASE_URL"]


def test_only_the_gateway_gets_the_identity_private_key(
    services: dict[str, dict[str, Any]],
) -> None:
    holders = [
        name
        for name, service in services.items()
        if any("IDENTITY_PRIVATE_KEY" in key for key in _environment(service))
    ]
    assert holders == ["gateway"]
    # Each service holds only its own key for calls to its peers, never another's.
    for name in ("entitlement", "claims", "payments"):
        own = [k for k in _environment(services[name]) if "PRIVATE_KEY" in k]
        assert own == [f"{name.upper()}_SERVICE_PRIVATE_KEY"]
    private_key = _environment(services["gateway"])["GATEWAY_IDENTITY_PRIVATE_KEY"]
    assert REQUIRED_VAR.fullmatch(private_key)


def test_no_secret_is_written_in_the_file(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for key, value in _environment(service).items():
            if SECRET_NAME.search(key):
                assert REQUIRED_VAR.fullmatch(value), f"{name}.{key} must be ${{VAR:?...}}"
            # Credentials inside URLs must be interpolated too.
            for password in URL_PASSWORD.findall(value):
                assert REQUIRED_VAR.fullmatch(password), f"{name}.{key} embeds a password"


def test_secrets_have_no_defaults(compose: dict[str, Any]) -> None:
    # `${SECRET:-value}` would be a literal secret in disguise.
    for text in _strings(compose):
        for var, operator, _ in INTERPOLATION.findall(text):
            if SECRET_NAME.search(var):
                assert operator == ":?", f"{var} must be required, not defaulted"


@pytest.mark.parametrize("name", [*BACKENDS, "payments-worker"])
def test_two_replicas_of_each_service_and_two_payments_workers(services: dict[str, dict[str, Any]], name: str) -> None:
    assert services[name]["deploy"]["replicas"] == 2
    assert "container_name" not in services[name]  # a fixed name would allow one replica only


def test_the_gateway_runs_once_behind_its_published_port(services: dict[str, dict[str, Any]]) -> None:
    # Two gateway replicas would need a load balancer in front of the one published port.
    assert services["gateway"].get("deploy", {}).get("replicas", 1) == 1


def test_metrics_listeners_stay_on_the_compose_network(services: dict[str, dict[str, Any]]) -> None:
    gateway, worker = _environment(services["gateway"]), _environment(services["payments-worker"])
    assert (gateway["GATEWAY_METRICS_HOST"], gateway["GATEWAY_METRICS_PORT"]) == ("0.0.0.0", "9100")
    assert (worker["PAYMENTS_WORKER_METRICS_HOST"], worker["PAYMENTS_WORKER_METRICS_PORT"]) == ("0.0.0.0", "9100")
    assert services["gateway"]["ports"] == ["8000:8000"]  # 9100 is not published
    assert "http://127.0.0.1:9100/healthz" in " ".join(services["payments-worker"]["healthcheck"]["test"])


def test_pools_never_churn_and_postgres_allows_them_all(services: dict[str, dict[str, Any]]) -> None:
    total = 0
    for name, replicas in (("entitlement", 2), ("claims", 2), ("payments", 2), ("gateway", 1),
                           ("payments-worker", 2)):
        env = _environment(services[name])
        prefix = "PAYMENTS_" if name == "payments-worker" else f"{name.upper()}_"
        assert env[prefix + "DB_MAX_OVERFLOW"] == "0"
        total += replicas * int(env[prefix + "DB_POOL_SIZE"])
    command = services["postgres"]["command"]
    assert total + 10 <= int(command[command.index("-c") + 1].removeprefix("max_connections="))


def test_postgres_password_comes_from_the_environment(
    services: dict[str, dict[str, Any]],
) -> None:
    env = _environment(services["postgres"])
    assert env["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
