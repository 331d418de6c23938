"""The payments worker: `python -m services.payments.worker`.

One loop: send due disbursements and ask about sent ones (dispatch), deliver payment events
(outbox), and once a day reconcile yesterday. Any number of workers may run: they share the
work through SKIP LOCKED leases, and a killed worker's leases simply run out.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta
from types import TracebackType

import httpx
import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from kit import clock, http, tracing
from kit.crypto import FieldCipher, keys_from_settings
from kit.db import make_engine, make_sessionmaker
from kit.identity import ServiceSigner
from kit.logging import configure_logging
from kit.metrics import Metrics, serve
from services.payments.channels import registry
from services.payments.channels.base import Channel, ChannelError
from services.payments.dispatch.service import DispatchPolicy, dispatch_once
from services.payments.outbox.service import DeliveryPolicy, Receivers, deliver_once
from services.payments.reconciliation import repository as reconciliation_repository
from services.payments.reconciliation import service as reconciliation
from services.payments.settings import Settings

log = structlog.get_logger(__name__)
SCHEMA = "payments"
ACTOR = "payments-worker"


class Worker:
    def __init__(self, settings: Settings, *, bank_transport: httpx.AsyncBaseTransport | None = None,
                 claims_transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self._bank_transport, self._claims_transport = bank_transport, claims_transport
        self.dispatch_policy = DispatchPolicy(
            lease_s=settings.lease_s, retry_base_s=settings.retry_base_s, retry_cap_s=settings.retry_cap_s,
            sent_first_poll_s=settings.sent_first_poll_s, sent_poll_s=settings.sent_poll_s,
            batch=settings.worker_batch_size)
        self.delivery_policy = DeliveryPolicy(
            lease_s=settings.lease_s, base_s=settings.outbox_retry_base_s, cap_s=settings.outbox_retry_cap_s,
            max_attempts=settings.outbox_max_attempts, batch=settings.worker_batch_size)
        self._next_daily_check = clock.now()
        self.metrics = Metrics()
        self._passes = self.metrics.counter("xuefei_worker_passes", "Worker passes, by outcome", ("worker", "outcome"))
        self._items = self.metrics.counter("xuefei_worker_items", "Items a worker handled", ("worker", "duty"))
        self._last_pass = self.metrics.process_gauge("xuefei_worker_last_pass_timestamp_seconds",
                                                     "When the worker last finished a pass (Unix time)", ("worker",))

    async def __aenter__(self) -> Worker:
        s = self.settings
        self.engine: AsyncEngine = make_engine(s, application_name=ACTOR, schema=SCHEMA)
        tracing.instrument_engine(self.engine, service=ACTOR)
        self.metrics.watch_pool(self.engine)
        self.sessionmaker = make_sessionmaker(self.engine)
        self.cipher = FieldCipher(keys_from_settings({k: v.get_secret_value() for k, v in s.field_keys.items()}),
                                  s.field_active_key_id)
        self.channels: dict[str, Channel] = registry.build_channels(s, bank_transport=self._bank_transport)
        own_key = s.service_private_key.get_secret_value()
        clients = {"claims": http.make_client(s.claims_url, timeout_s=s.claims_timeout_s,
                                              transport=self._claims_transport)}
        if s.interop_url:
            clients["interop"] = http.make_client(s.interop_url, timeout_s=s.claims_timeout_s)
        self.receivers = Receivers(
            clients=clients,
            signer=ServiceSigner(s.service_name, own_key) if own_key.strip() else None,
        )
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await registry.close_all(self.channels)
        for client in self.receivers.clients.values():
            await client.aclose()
        await self.engine.dispose()

    async def run_once(self) -> int:
        """One pass of every duty; returns how much work it found (0: idle)."""
        dispatched = await dispatch_once(self.sessionmaker, self.channels, self.cipher, self.dispatch_policy)
        delivered = await deliver_once(self.sessionmaker, self.receivers, self.delivery_policy)
        if self.settings.reconciliation_enabled:
            await self.reconcile_yesterday_if_due()
        self._items.labels("payments", "dispatch").inc(dispatched)
        self._items.labels("payments", "outbox").inc(delivered)
        return dispatched + delivered

    async def reconcile_yesterday_if_due(self) -> bool:
        now = clock.now()
        local = now.astimezone(clock.CST)
        if now < self._next_daily_check or local.hour < self.settings.reconciliation_hour:
            return False
        day = local.date() - timedelta(days=1)
        async with self.sessionmaker() as session:
            if await reconciliation_repository.scheduled_exists(session, day):
                self._next_daily_check = now + timedelta(minutes=10)
                return False
        try:
            statements = await reconciliation.fetch_statements(self.channels, day)
            async with self.sessionmaker() as session, session.begin():
                run, _ = await reconciliation.record(session, day, statements, trigger="scheduled", actor=ACTOR)
        except ChannelError as exc:
            self._next_daily_check = now + timedelta(minutes=5)
            log.warning("daily reconciliation postponed: no statement", day=day.isoformat(), error=str(exc))
            return False
        except IntegrityError:
            return False  # another worker stored it first
        log.info("daily reconciliation done", day=day.isoformat(), counts=run.counts)
        return True

    async def run_forever(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                busy = await self.run_once()
                failures = 0
                self._passes.labels("payments", "busy" if busy else "idle").inc()
            except Exception:
                # The database or a bug: log, wait, go on. Leases make a half-done pass safe.
                failures += 1
                busy = 0
                self._passes.labels("payments", "failed").inc()
                log.exception("worker pass failed", failures=failures)
            self._last_pass.labels("payments").set(clock.epoch_s())
            if busy:
                continue
            pause = self.settings.worker_idle_s * min(2 ** failures, 30)
            try:
                await asyncio.wait_for(stop.wait(), timeout=pause)
            except TimeoutError:
                pass


async def _main(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Worker(settings) as worker:
        # Its metrics on a small internal listener: the worker has no HTTP port of its own.
        port = settings.worker_metrics_port
        listener = await serve(worker.metrics, settings.worker_metrics_host, port) if port else None
        log.info("payments worker started", bank_url=settings.bank_url, claims_url=settings.claims_url,
                 metrics_port=port)
        try:
            await worker.run_forever(stop)
        finally:
            if listener is not None:
                listener.close()
    log.info("payments worker stopped")


def main() -> None:
    settings = Settings()
    configure_logging(f"{settings.service_name}-worker", settings.log_level, settings.log_json)
    tracing.configure_tracing(f"{settings.service_name}-worker")
    asyncio.run(_main(settings))


if __name__ == "__main__":
    main()
