"""Delivering: claim due deliveries under a lease, send them, record the outcome.

At-least-once: a delivery is marked delivered only after its channel succeeded, so a worker
killed in between leaves a claim whose lease runs out and another worker sends it again, with
the same event id. While a lease runs no other worker can claim the delivery, and a send is cut
off before its lease ends, so one event never goes to one target from two workers at once.
"""

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.models import utcnow
from backend.models.notification import NotificationDelivery, OutboxEvent
from backend.notifications import fallback
from backend.notifications.backoff import retry_delay
from backend.notifications.channels.base import (
    Channel,
    EventEnvelope,
    PermanentError,
    RetryableError,
    TargetGone,
)
from backend.notifications.fanout import envelope, fanout_once

log = logging.getLogger("ttq.notifications")
D = NotificationDelivery
SETTLE_EVERY_SECONDS = 2.0


@dataclass(frozen=True)
class Claim:
    delivery_id: uuid.UUID
    event_id: uuid.UUID
    channel: str
    target: str
    attempt: int
    token: str
    event: EventEnvelope | None  # None: the event was deleted meanwhile
    # The fallback chain this delivery is a step of (None: not part of one).
    chain_key: str | None = None
    recipient_user_id: uuid.UUID | None = None
    chain_step: int | None = None


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def _due(now: datetime):
    return and_(
        D.status == "pending",
        D.next_attempt_at <= now,
        or_(D.locked_until.is_(None), D.locked_until <= now),
    )


class Dispatcher:
    """Fans out new events and delivers due deliveries; safe to run in several processes."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        channels: dict[str, Channel],
        settings: Settings,
        *,
        worker_id: str | None = None,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = session_factory
        self.channels = channels
        self.settings = settings
        self.worker_id = (worker_id or default_worker_id())[:48]
        self.rng = rng
        self.clock = clock
        self._inflight: set[asyncio.Task] = set()

    async def fanout_once(self) -> int:
        """Create deliveries for a batch of new events; how many events were taken."""
        return await fanout_once(self.sessions, self.channels, self.settings, now=self.clock())

    async def claim(self, limit: int) -> list[Claim]:
        """Take up to ``limit`` due deliveries under a lease (committed before sending)."""
        now = self.clock()
        token = f"{self.worker_id}/{uuid.uuid4().hex[:12]}"
        batch = (
            select(D.id)
            .where(_due(now))
            .order_by(D.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            # A CTE is evaluated once; a plain IN (subquery) may be re-run by PostgreSQL and
            # then take more rows than asked for.
            .cte("batch")
        )
        stmt = (
            update(D)
            # The due test is repeated so a row taken meanwhile is not taken twice.
            .where(D.id.in_(select(batch.c.id)), _due(now))
            .values(
                locked_until=now + timedelta(seconds=self.settings.notify_lease_seconds),
                locked_by=token,
                attempts=D.attempts + 1,
                updated_at=now,
            )
            .returning(
                D.id,
                D.event_id,
                D.channel,
                D.target,
                D.attempts,
                D.chain_key,
                D.recipient_user_id,
                D.chain_step,
            )
            .execution_options(synchronize_session=False)
        )
        async with self.sessions() as session:
            rows = (await session.execute(stmt)).all()
            await session.commit()
            # The events of the whole batch in one query (many deliveries share an event).
            ids = {r.event_id for r in rows}
            stmt = select(OutboxEvent).where(OutboxEvent.id.in_(ids))
            events = {e.id: e for e in await session.scalars(stmt)} if ids else {}
        claims = []
        for delivery_id, event_id, channel, target, attempt, key, user_id, step in rows:
            event = events.get(event_id)
            env = envelope(event, attempt=attempt) if event is not None else None
            claims.append(
                Claim(
                    delivery_id, event_id, channel, target, attempt, token, env, key, user_id, step
                )
            )
        return claims

    async def deliver(self, claim: Claim) -> str:
        """Send one claimed delivery and record what happened; returns the new status."""
        error: str | None = None
        retry_after: float | None = None
        status = "delivered"
        provider_ref: str | None = None
        channel = self.channels.get(claim.channel)
        if claim.chain_step and await self._answered(claim):
            await self._record(claim, fallback.STOPPED, "stopped: acknowledged", None)
            return fallback.STOPPED
        try:
            if claim.event is None:
                raise TargetGone("event no longer exists")
            if channel is None:
                raise PermanentError(f"channel {claim.channel} is not enabled on this worker")
            # Stop well inside the lease, so the claim cannot expire while we still send.
            async with asyncio.timeout(self.settings.notify_lease_seconds * 0.8):
                provider_ref = await channel.deliver(claim.event, claim.target)
        except TargetGone as exc:
            status, error = "dropped", str(exc)
        except PermanentError as exc:
            status, error = "failed", str(exc)
        except RetryableError as exc:
            status, error, retry_after = "pending", str(exc), exc.retry_after
        except TimeoutError:
            status, error = "pending", "timed out"
        except Exception as exc:  # a bug in a channel: keep the delivery, retry later
            log.exception("delivery crashed", extra={"delivery_id": str(claim.delivery_id)})
            status, error = "pending", f"{type(exc).__name__}: {exc}"
        if status == "pending" and claim.attempt >= self.settings.notify_max_attempts:
            status = "failed"
        await self._record(claim, status, error, retry_after, provider_ref)
        if status in ("failed", "dropped") and claim.chain_step is not None and claim.chain_key:
            await fallback.bring_forward(
                self.sessions,
                event_id=claim.event_id,
                key=claim.chain_key,
                user_id=claim.recipient_user_id,
                step=claim.chain_step,
                now=self.clock(),
                settings=self.settings,
            )
        return status

    async def _answered(self, claim: Claim) -> bool:
        async with self.sessions() as session:
            return await fallback.answered(session, claim.chain_key)

    async def _record(
        self,
        claim: Claim,
        status: str,
        error: str | None,
        retry_after: float | None,
        provider_ref: str | None = None,
    ) -> None:
        now = self.clock()
        values: dict = {"status": status, "locked_until": None, "updated_at": now}
        if isinstance(provider_ref, str) and provider_ref:
            values["provider_ref"] = provider_ref[:128]
        if error is not None:
            values["last_error"] = error[:2000]
        if status == "delivered":
            values["delivered_at"] = now
        if status == "pending":
            delay = retry_delay(
                claim.attempt,
                base=self.settings.notify_retry_base_seconds,
                cap=self.settings.notify_retry_max_seconds,
                jitter=self.settings.notify_retry_jitter,
                rng=self.rng,
                retry_after=retry_after,
            )
            values["next_attempt_at"] = now + timedelta(seconds=delay)
        extra = {
            "delivery_id": str(claim.delivery_id),
            "event_id": str(claim.event_id),
            "channel": claim.channel,
            "attempt": claim.attempt,
            "status": status,
        }
        async with self.sessions() as session:
            result = await session.execute(
                update(D)
                .where(D.id == claim.delivery_id, D.locked_by == claim.token)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        if result.rowcount == 0:
            log.warning("lease lost before the outcome was recorded", extra=extra)
            return
        if status == "delivered":
            log.debug("delivered", extra=extra)
        else:
            log.warning(
                "delivery %s %s (%s, attempt %s): %s",
                claim.delivery_id,
                status,
                claim.channel,
                claim.attempt,
                error,
                extra={**extra, "error": error},
            )

    async def deliver_once(self) -> int:
        """Fan out, then claim and deliver one batch to completion (tests, `--once`)."""
        await self.fanout_once()
        claims = await self.claim(self.settings.notify_batch_size)
        await asyncio.gather(*(self.deliver(c) for c in claims))
        await self.settle()
        return len(claims)

    async def settle(self) -> int:
        """Mark events whose deliveries are all done as delivered (or failed)."""
        return await settle_events(self.sessions, now=self.clock())

    async def run(self, stop: asyncio.Event, wake: asyncio.Event | None = None) -> None:
        """Deliver until ``stop`` is set; ``wake`` cuts an idle wait short (new events)."""
        wake = wake or asyncio.Event()
        cap = self.settings.notify_concurrency
        failures = 0
        settled_at = 0.0
        log.info("dispatcher started: %s", self.worker_id, extra={"worker_id": self.worker_id})
        while not stop.is_set():
            wake.clear()
            try:
                fanned = await self.fanout_once()
                free = cap - len(self._inflight)
                wanted = min(free, self.settings.notify_batch_size)
                claims = await self.claim(wanted) if wanted > 0 else []
                if time.monotonic() - settled_at >= SETTLE_EVERY_SECONDS:
                    await self.settle()
                    settled_at = time.monotonic()
                failures = 0
            except Exception:
                failures += 1
                log.exception("dispatcher cycle failed (database down?)")
                await _sleep_or(stop, min(30.0, self.settings.notify_poll_seconds * 2**failures))
                continue
            for claim in claims:
                task = asyncio.create_task(self._guarded(claim))
                self._inflight.add(task)
                task.add_done_callback(self._inflight.discard)
            if len(self._inflight) >= cap:
                await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)
            elif fanned == 0 and len(claims) < wanted:
                await _wait_any(stop, wake, seconds=self.settings.notify_poll_seconds)
        await self.drain()
        log.info("dispatcher stopped: %s", self.worker_id, extra={"worker_id": self.worker_id})

    async def drain(self) -> None:
        """Let in-flight deliveries finish (bounded), then cancel what is left."""
        if not self._inflight:
            return
        _done, pending = await asyncio.wait(
            set(self._inflight), timeout=self.settings.notify_http_timeout_seconds + 5
        )
        for task in pending:
            task.cancel()

    async def _guarded(self, claim: Claim) -> None:
        try:
            await self.deliver(claim)
        except Exception:  # the lease runs out and the delivery is retried
            log.exception("recording a delivery failed", extra={"id": str(claim.delivery_id)})


async def settle_events(session_factory: async_sessionmaker[AsyncSession], *, now: datetime) -> int:
    """Close the events that have no pending delivery left: failed if any failed.

    One statement over the dispatched events, run now and then by every worker: it is
    idempotent, so workers running it together cannot disagree, and no delivery pays for it.
    """
    E = OutboxEvent
    pending = exists().where(D.event_id == E.id, D.status == "pending")
    failed = exists().where(D.event_id == E.id, D.status == "failed")
    stmt = (
        update(E)
        .where(E.status == "dispatched", ~pending)
        .values(
            status=case((failed, "failed"), else_="delivered"),
            delivered_at=case((failed, None), else_=now),
        )
        .execution_options(synchronize_session=False)
    )
    async with session_factory() as session:
        result = await session.execute(stmt)
        await session.commit()
    return result.rowcount


async def _sleep_or(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _wait_any(stop: asyncio.Event, wake: asyncio.Event, *, seconds: float) -> None:
    waiters = {asyncio.create_task(stop.wait()), asyncio.create_task(wake.wait())}
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
