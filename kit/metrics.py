"""Prometheus metrics (`prometheus-client`): what an ops engineer scrapes from every process.

Each app owns a `Metrics` (its own registry: tests host several apps in one process). It counts
HTTP requests by method, route *template* and status with a latency histogram (a pure ASGI
middleware), reports its database pool, and runs the service's own gauges (outbox depth, claims
overdue ...) from the database when scraped, at most every `refresh_s`.

Services answer `GET /metrics` on their own port, which is internal (never published, never
forwarded by the gateway). The gateway's public port has no /metrics: it serves its metrics, like
the payments worker, on a separate internal listener (`serve`). One process per replica: each is a
scrape target of its own, so no multi-process aggregation is needed (scale by replicas).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kit import clock

log = structlog.get_logger(__name__)
disable_created_metrics()  # no `_created` series: twice the lines for nothing a dashboard uses

# Seconds. Tight at the low end, where a quote lives (the goal is a p99 under 50 ms).
BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNMATCHED = "unmatched"  # no route: one label value, whatever path was asked for

# (label values) -> value, from the database; a source returns all its samples at once.
Samples = dict[tuple[str, ...], float]
Fetch = Callable[[], Awaitable[Samples]]


def watch_outbox(metrics: Metrics, sessionmaker: async_sessionmaker[AsyncSession], outbox: str, model: Any) -> None:
    """Depth, oldest age and dead letters of an outbox table (kit.outbox: `status`, `created_at`).
    Every outbox reports under the same names, told apart by the `outbox` label."""
    waiting = model.status == "pending"

    async def depth(session: AsyncSession) -> Samples:
        return {(outbox,): float(await session.scalar(select(func.count()).where(waiting)) or 0)}

    async def oldest_age(session: AsyncSession) -> Samples:
        oldest = await session.scalar(select(func.min(model.created_at)).where(waiting))
        return {(outbox,): max(0.0, (clock.now() - oldest).total_seconds()) if oldest else 0.0}

    async def dead_letters(session: AsyncSession) -> Samples:
        dead = await session.scalar(select(func.count()).where(model.status == "dead"))
        return {(outbox,): float(dead or 0)}

    for name, doc, query in (
        ("xuefei_outbox_depth", "Outbox messages not delivered yet", depth),
        ("xuefei_outbox_oldest_age_seconds", "Age of the oldest undelivered outbox message", oldest_age),
        ("xuefei_outbox_dead_letters", "Outbox messages that gave up (refused for good or out of attempts): "
                                       "a person retries or discards them", dead_letters),
    ):
        metrics.gauge(name, doc, ("outbox",), from_session(sessionmaker, query))


def from_session(sessionmaker: async_sessionmaker[AsyncSession],
                 query: Callable[[AsyncSession], Awaitable[Samples]]) -> Fetch:
    """A gauge's fetch: `query` in a short session of its own (read only, nothing committed)."""

    async def fetch() -> Samples:
        async with sessionmaker() as session:
            return await query(session)

    return fetch


@dataclass
class _Source:
    gauge: Gauge
    fetch: Fetch


class _PoolCollector(Collector):
    """The SQLAlchemy pools: connections in use, idle, overflow, capacity, and callers waiting."""

    def __init__(self, engines: dict[str, AsyncEngine]) -> None:
        self._engines = engines

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families = {
            "in_use": GaugeMetricFamily("xuefei_db_pool_in_use", "Connections checked out of the pool",
                                        labels=["pool"]),
            "idle": GaugeMetricFamily("xuefei_db_pool_idle", "Connections open and idle in the pool", labels=["pool"]),
            "overflow": GaugeMetricFamily("xuefei_db_pool_overflow",
                                          "Connections open beyond the pool size (closed again when idle)",
                                          labels=["pool"]),
            "capacity": GaugeMetricFamily("xuefei_db_pool_capacity", "Pool size plus allowed overflow",
                                          labels=["pool"]),
            "waiting": GaugeMetricFamily("xuefei_db_pool_waiting", "Callers waiting for a connection",
                                         labels=["pool"]),
        }
        for name, engine in self._engines.items():
            pool = engine.pool
            size = pool.size()  # type: ignore[attr-defined]
            families["in_use"].add_metric([name], pool.checkedout())  # type: ignore[attr-defined]
            families["idle"].add_metric([name], pool.checkedin())  # type: ignore[attr-defined]
            families["overflow"].add_metric([name], max(0, pool.overflow()))  # type: ignore[attr-defined]
            families["capacity"].add_metric([name], size + max(0, pool._max_overflow))  # type: ignore[attr-defined]
            families["waiting"].add_metric([name], _waiting(pool))
        yield from families.values()


def _waiting(pool: object) -> int:
    """Tasks blocked in the pool's queue. SQLAlchemy has no public count for it: read the asyncio
    queue's waiters (tests/kit/test_metrics.py fails if a SQLAlchemy upgrade moves them)."""
    queue = getattr(getattr(pool, "_pool", None), "_queue", None)
    getters = getattr(queue, "_getters", ())
    return sum(1 for waiter in getters if not waiter.done())


class Metrics:
    def __init__(self, *, refresh_s: float = 5.0, probe_timeout_s: float = 3.0) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("xuefei_http_requests", "HTTP requests answered, by route template and status",
                                ["method", "route", "status"], registry=self.registry)
        self.duration = Histogram("xuefei_http_request_duration_seconds",
                                  "Time to answer an HTTP request, by route template and status",
                                  ["method", "route", "status"], buckets=BUCKETS, registry=self.registry)
        self.in_flight = Gauge("xuefei_http_requests_in_flight", "HTTP requests being answered now",
                               registry=self.registry)
        self.probe_up = Gauge("xuefei_metrics_probe_up", "1 when a database gauge was read at the last scrape",
                              ["probe"], registry=self.registry)
        self._engines: dict[str, AsyncEngine] = {}
        self.registry.register(_PoolCollector(self._engines))
        self._sources: dict[str, _Source] = {}
        self._refresh_s, self._timeout_s = refresh_s, probe_timeout_s
        self._refreshed_at = float("-inf")
        self._lock = asyncio.Lock()

    def watch_pool(self, engine: AsyncEngine, name: str = "main") -> None:
        self._engines[name] = engine

    def gauge(self, name: str, documentation: str, labels: tuple[str, ...], fetch: Fetch) -> None:
        """A gauge read from the database when scraped (`fetch` opens its own short session)."""
        gauge = Gauge(name, documentation, list(labels), registry=self.registry)
        self._sources[name] = _Source(gauge, fetch)

    def counter(self, name: str, documentation: str, labels: tuple[str, ...] = ()) -> Counter:
        return Counter(name, documentation, list(labels), registry=self.registry)

    def process_gauge(self, name: str, documentation: str, labels: tuple[str, ...] = ()) -> Gauge:
        return Gauge(name, documentation, list(labels), registry=self.registry)

    def invalidate(self) -> None:
        """The next scrape reads the database again, however recent the last read."""
        self._refreshed_at = float("-inf")

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._refreshed_at < self._refresh_s:
                return
            for name, source in self._sources.items():
                try:
                    async with asyncio.timeout(self._timeout_s):
                        samples = await source.fetch()
                except Exception as exc:  # a scrape must answer even when the database does not
                    self.probe_up.labels(name).set(0)
                    log.warning("metrics probe failed", probe=name, error=repr(exc))
                    continue
                source.gauge.clear()
                for labels, value in samples.items():
                    (source.gauge.labels(*labels) if labels else source.gauge).set(value)
                self.probe_up.labels(name).set(1)
            self._refreshed_at = time.monotonic()

    async def render(self) -> bytes:
        await self._refresh()
        return generate_latest(self.registry)


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    if route is None:
        return UNMATCHED
    if isinstance(route, Mount):
        return f"{route.path}/{{path}}"
    return str(getattr(route, "path", UNMATCHED))


class MetricsMiddleware:
    """Pure ASGI: one histogram observation and one count per HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app raises before answering
        start = time.perf_counter()

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_status)
        finally:
            self.metrics.in_flight.dec()
            labels = (scope["method"], _route_of(scope), str(status))
            self.metrics.duration.labels(*labels).observe(time.perf_counter() - start)
            self.metrics.requests.labels(*labels).inc()


def install_metrics(app: FastAPI, *, route: bool = True) -> Metrics:
    """`app.state.metrics`, the middleware, and (unless `route=False`) `GET /metrics`."""
    metrics = Metrics()
    app.state.metrics = metrics
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    if route:
        app.include_router(_router)
    return metrics


_router = APIRouter()


@_router.get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    return Response(await metrics.render(), media_type=CONTENT_TYPE_LATEST)


async def serve(metrics: Metrics, host: str, port: int) -> asyncio.Server:
    """A small internal listener: `GET /metrics` and `GET /healthz`, for processes whose main port is
    public (the gateway) or that have none (the payments worker). Close it with `server.close()`."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(10):
                request_line = (await reader.readline()).decode("latin-1").split()
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass  # headers: nothing in them changes the answer
            path = request_line[1].split("?", 1)[0] if len(request_line) >= 2 else ""
            method = request_line[0] if request_line else ""
            if method == "GET" and path == "/metrics":
                status, content_type, body = "200 OK", CONTENT_TYPE_LATEST, await metrics.render()
            elif method == "GET" and path == "/healthz":
                status, content_type, body = "200 OK", "application/json", b'{"status":"ok"}'
            else:
                status, content_type, body = "404 Not Found", "text/plain", b"not found\n"
            writer.write(f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                         f"Connection: close\r\n\r\n".encode("latin-1") + body)
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, host, port)
