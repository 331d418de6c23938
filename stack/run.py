"""`make run`: PostgreSQL, migrations, demo data, the three services and the gateway.

Stops everything (children, then the embedded PostgreSQL) on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from kit.settings import DatabaseSettings
from sandboxes.sms.app import SANDBOX_KEY_ID, SANDBOX_KEY_SECRET
from stack import demo, migrate, seed
from stack import keys as devkeys
from stack.embedded_pg import EmbeddedPostgres, EmbeddedPostgresError
from stack.processes import Child, die_with_parent, free_port, port_free, stop_all, uvicorn_child, wait_ready

DATABASE = "xuefei"
SERVICES = (("entitlement", 1), ("claims", 2), ("payments", 3))
BANK_SANDBOX_OFFSET = 9  # PORT+9, or a free port if taken
WECHAT_SANDBOX_OFFSET = 8  # PORT+8, likewise
SMS_SANDBOX_OFFSET = 6  # PORT+6, likewise
GATEWAY_METRICS_OFFSET = 7  # PORT+7: the gateway's /metrics, never on the public port
# Two workers, as in compose: they share the work through SKIP LOCKED leases, each paying once.
PAYMENTS_WORKERS = 2


class StartupError(SystemExit):
    def __init__(self, message: str) -> None:
        super().__init__(f"\n✗ {message}\n")


@dataclass
class RunConfig:
    data_dir: Path
    port: int
    database_url: str | None
    admin_password: str | None

    @classmethod
    def from_env(cls) -> RunConfig:
        port_text = os.environ.get("PORT", "8000")
        if not port_text.isdigit() or not 0 < int(port_text) < 65533:
            raise StartupError(f"PORT must be a port number, got {port_text!r}")
        return cls(
            data_dir=Path(os.environ.get("DATA_DIR", "./var")).resolve(),
            port=int(port_text),
            database_url=os.environ.get("DATABASE_URL") or None,
            admin_password=os.environ.get("ADMIN_PASSWORD") or None,
        )


def normalise_url(url: str) -> str:
    """Accept the usual postgres:// forms and use the asyncpg driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix):]
    return url


def _service_port(preferred: int) -> int:
    return preferred if port_free(preferred) else free_port()


async def _wait_ready(children: list[Child], timeout_s: float = 60.0) -> None:
    def check(child: Child) -> None:
        if (code := child.exited()) is not None:
            raise StartupError(f"{child.name} exited with code {code} while starting (see its log above)")

    await wait_ready(children, timeout_s=timeout_s, check=check, not_ready=lambda child: StartupError(
        f"{child.name} was not ready on {child.url} within {timeout_s:.0f} s"))


async def _prepare_database(config: RunConfig, pg: EmbeddedPostgres | None) -> tuple[str, seed.SeedResult, bool]:
    if pg is not None:
        await pg.ensure_database(DATABASE)
        url = pg.url(DATABASE)
    else:
        url = normalise_url(config.database_url or "")
    await asyncio.to_thread(migrate.upgrade, url)
    marker = config.data_dir / "seeded"
    fresh = not marker.exists()
    from kit.db import make_engine

    engine = make_engine(DatabaseSettings(database_url=url), application_name="stack-seed", schema="gateway")
    try:
        result = await seed.seed_staff(engine, admin_password=config.admin_password, fresh=fresh)
    finally:
        await engine.dispose()
    return url, result, fresh


def payments_children(config: RunConfig, payments_env: dict[str, str]) -> tuple[dict[str, str], list[Child]]:
    """Payments' bank channel and its extra processes: the bank sandbox (银行沙箱, not a real bank),
    unless PAYMENTS_BANK_URL names a real channel, and the worker that sends, retries and reconciles."""
    bank_url = os.environ.get("PAYMENTS_BANK_URL", "").strip()
    extra: list[Child] = []
    if not bank_url:
        port = _service_port(config.port + BANK_SANDBOX_OFFSET)
        extra.append(Child("bank-sandbox", [sys.executable, "-m", "sandboxes.bank", "--port", str(port),
                                            "--data-dir", str(config.data_dir / "bank-sandbox")],
                           env={}, port=port, ready_path="/healthz"))
        bank_url = extra[0].url
    bank_env = {"PAYMENTS_BANK_URL": bank_url}
    workers = [Child(f"payments-worker-{n}", [sys.executable, "-m", "services.payments.worker"],
                     env={**payments_env, **bank_env, "PAYMENTS_WORKER_METRICS_PORT": str(free_port())})
               for n in range(1, PAYMENTS_WORKERS + 1)]
    return bank_env, [*extra, *workers]


def wechat_children(config: RunConfig) -> tuple[dict[str, str], list[Child]]:
    """WeChat's login API: the WeChat sandbox (微信沙箱) and the client's dev panel, unless
    GATEWAY_WECHAT_API_BASE names the real one."""
    if os.environ.get("GATEWAY_WECHAT_API_BASE", "").strip():
        return {}, []
    port = _service_port(config.port + WECHAT_SANDBOX_OFFSET)
    sandbox = Child("wechat-sandbox", [sys.executable, "-m", "sandboxes.wechat", "--port", str(port)],
                    env={}, port=port, ready_path="/healthz")
    return {"GATEWAY_WECHAT_API_BASE": sandbox.url, "GATEWAY_SANDBOX_MODE": "true"}, [sandbox]


def sms_children(config: RunConfig) -> tuple[dict[str, str], list[Child]]:
    """The SMS provider: the SMS sandbox (短信沙箱, plays Aliyun's SendSms) and sandbox mode, unless
    GATEWAY_SMS_API_BASE names a real provider (with its GATEWAY_SMS_ACCESS_KEY_* set)."""
    if os.environ.get("GATEWAY_SMS_API_BASE", "").strip():
        return {}, []
    port = _service_port(config.port + SMS_SANDBOX_OFFSET)
    sandbox = Child("sms-sandbox", [sys.executable, "-m", "sandboxes.sms", "--port", str(port)],
                    env={}, port=port, ready_path="/healthz")
    return {"GATEWAY_SMS_API_BASE": sandbox.url, "GATEWAY_SMS_ACCESS_KEY_ID": SANDBOX_KEY_ID,
            "GATEWAY_SMS_ACCESS_KEY_SECRET": SANDBOX_KEY_SECRET, "GATEWAY_SANDBOX_MODE": "true"}, [sandbox]


def build_children(config: RunConfig, url: str, keys: devkeys.DevKeys) -> tuple[list[Child], Child, list[Child]]:
    """(services, gateway, helpers): helpers with a port (sandboxes) start with the services,
    those without (workers) once the services are ready."""
    ports = {name: _service_port(config.port + offset) for name, offset in SERVICES}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    # Each service learns where its peers are.
    peers = {
        "claims": {"CLAIMS_ENTITLEMENT_URL": urls["entitlement"], "CLAIMS_PAYMENTS_URL": urls["payments"],
                   "CLAIMS_DOCUMENTS_DIR": str(config.data_dir / "documents")},
        "payments": {"PAYMENTS_CLAIMS_URL": urls["claims"]},
    }
    services: list[Child] = []
    helpers: list[Child] = []
    for name, _ in SERVICES:
        # A pool that never churns: connections are opened once and kept (no overflow to open and
        # close again under load: bench/README.md counts new PostgreSQL connections per run).
        env = {f"{name.upper()}_DATABASE_URL": url, f"{name.upper()}_DB_POOL_SIZE": "15",
               f"{name.upper()}_DB_MAX_OVERFLOW": "0", **keys.service_env(name), **peers.get(name, {})}
        if name == "payments":
            bank_env, helpers = payments_children(config, env)
            env |= bank_env
        services.append(uvicorn_child(name, f"services.{name}.app:app_from_env", ports[name], env))
    wechat_env, wechat = wechat_children(config)
    sms_env, sms = sms_children(config)
    gateway_env = {
        "GATEWAY_DATABASE_URL": url,
        # Every forwarded request looks its caller up: a pool sized for concurrent clients, so
        # bursts do not churn overflow connections (bench/README.md).
        "GATEWAY_DB_POOL_SIZE": "15",
        "GATEWAY_DB_MAX_OVERFLOW": "0",
        **keys.gateway_env(),
        **wechat_env,
        **sms_env,
        **{f"GATEWAY_{c.name.upper()}_URL": c.url for c in services},
        "GATEWAY_METRICS_PORT": str(_service_port(config.port + GATEWAY_METRICS_OFFSET)),
    }
    gateway = uvicorn_child("gateway", "gateway.app:app_from_env", config.port, gateway_env)
    return services, gateway, [*wechat, *sms, *helpers]


def metrics_urls(services: list[Child], gateway: Child, workers: list[Child]) -> list[str]:
    """Where each process answers /metrics: services on their own (internal) port, the gateway
    and the workers on a listener of their own."""
    listeners = [(gateway, gateway.env.get("GATEWAY_METRICS_PORT")),
                 *((w, w.env.get("PAYMENTS_WORKER_METRICS_PORT")) for w in workers)]
    return [f"{c.url}/metrics" for c in services] + [
        f"http://127.0.0.1:{port}/metrics" for _, port in listeners if port]


def _banner(config: RunConfig, gateway: Child, result: seed.SeedResult, fresh: bool, embedded: bool,
            notes: list[str] | None = None) -> str:
    lines = [
        "",
        "血费减免 platform is running",
        f"  client (全国电子无偿献血证):  {gateway.url}/",
        f"  ops console (运营后台):      {gateway.url}/console/",
        f"  API docs:                  {gateway.url}/docs",
        f"  ops sign-in:               POST {gateway.url}/ops/v1/auth/token (username admin)",
        f"  data dir:                  {config.data_dir}"
        + ("" if embedded else "  (database: DATABASE_URL)"),
    ]
    if result.admin_password and not config.admin_password:
        lines.append(f"  admin password (generated, shown once): {result.admin_password}")
    elif config.admin_password:
        lines.append("  admin password: the value of ADMIN_PASSWORD")
    else:
        lines.append("  admin password: unchanged (set ADMIN_PASSWORD to reset it)")
    if fresh and result.demo_password:
        lines.append(f"  demo staff bj_operator, bj_reviewer, bj_senior, bj_finance; password: {result.demo_password}")
    lines += [*(notes or []), "  stop with Ctrl-C", ""]
    return "\n".join(lines)


async def _serve(config: RunConfig, pg: EmbeddedPostgres | None) -> None:
    url, result, fresh = await _prepare_database(config, pg)
    keys = devkeys.load_or_create(config.data_dir / "keys.json")
    services, gateway, helpers = build_children(config, url, keys)
    listeners = [c for c in helpers if c.port is not None]  # the bank sandbox: waited for like a service
    workers = [c for c in helpers if c.port is None]  # the payments workers: no port, watched for exit
    children = [*listeners, *services, gateway, *workers]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    try:
        for child in [*listeners, *services]:
            child.start()
        await _wait_ready([*listeners, *services])
        for child in workers:
            child.start()
        gateway.start()
        await _wait_ready([gateway])
        if fresh:
            assert result.admin_password is not None  # chosen or generated on a fresh data dir
            imported = await demo.import_demo_data(gateway.url, result.admin_password)
            (config.data_dir / "seeded").write_text(f"demo data seeded: {imported}\n")
        sandboxes = {c.name: c.url for c in listeners}
        bank = sandboxes.get("bank-sandbox", "PAYMENTS_BANK_URL")
        notes = [f"  payments bank channel:     {bank}" + ("  (银行沙箱 BANK SANDBOX: no real money)"
                                                        if "bank-sandbox" in sandboxes else ""),
                 "  services (internal):       " + ", ".join(f"{c.name} {c.url}" for c in services),
                 "  metrics (Prometheus):      " + ", ".join(metrics_urls(services, gateway, workers))]
        if "sms-sandbox" in sandboxes:
            notes.append(f"  SMS provider:              {sandboxes['sms-sandbox']}  (短信沙箱 SMS SANDBOX)")
        if "wechat-sandbox" in sandboxes:
            notes.append(f"  WeChat login:              {sandboxes['wechat-sandbox']}  (微信沙箱 WECHAT SANDBOX)")
            notes.append(f"  demo donor: sign in as WeChat user '{demo.DEMO_WECHAT_USER}', bind 张三 / "
                         f"{demo.DEMO_DONORS[0].cert_number}; the SMS code shows in the sandbox panel")
        print(_banner(config, gateway, result, fresh, pg is not None, notes), flush=True)
        while not stop.is_set():
            if any((crashed := c).exited() is not None for c in children):
                print(f"\n✗ {crashed.name} stopped unexpectedly (code {crashed.exited()}); shutting down",
                      file=sys.stderr)
                break
            try:
                await asyncio.wait_for(stop.wait(), timeout=0.5)
            except TimeoutError:
                pass
    finally:
        print("stopping…", flush=True)
        await asyncio.to_thread(stop_all, children)


def main() -> int:
    die_with_parent()  # if `make` itself is killed, we still shut down cleanly
    config = RunConfig.from_env()
    if not port_free(config.port):
        raise StartupError(f"port {config.port} is already in use; stop what uses it or set PORT=another")
    config.data_dir.mkdir(parents=True, exist_ok=True)
    pg: EmbeddedPostgres | None = None
    if config.database_url is None:
        pg = EmbeddedPostgres(config.data_dir / "pg")
        try:
            pg.start()
        except EmbeddedPostgresError as exc:
            raise StartupError(str(exc)) from None
    try:
        asyncio.run(_serve(config, pg))
    except OSError as exc:
        raise StartupError(f"could not reach the database: {exc}") from None
    finally:
        if pg is not None:
            pg.stop()
            print("PostgreSQL stopped", flush=True)
    return 0
