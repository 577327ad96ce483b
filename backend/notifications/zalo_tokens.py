"""Zalo OA access tokens (OAuth v4), refreshed with a rotating refresh token kept in the database.

A Zalo refresh token works once: the answer carries the next one. Several workers share one
OA, so the refresh happens under the ``provider_credential`` row lock (PostgreSQL ``FOR
UPDATE``; on SQLite the write lock, taken first by a no-op UPDATE): the second worker waits,
then finds a fresh access token and uses it instead of spending the refresh token again.
"""

import asyncio
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.models import utcnow
from backend.models.contact import ProviderCredential
from backend.notifications import crypto
from backend.notifications.channels.base import PermanentError, RetryableError

PROVIDER = "zalo_oa"
# Refresh this long before the access token expires (Zalo's last ~25 h).
MARGIN = timedelta(minutes=5)


class ZaloTokens:
    """Hands out a valid access token; refreshes it once for all workers when needed."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        http: httpx.AsyncClient,
    ) -> None:
        self._sessions = session_factory
        self._settings = settings
        self._http = http
        self._lock = asyncio.Lock()
        self._cached: tuple[str, datetime] | None = None

    async def access_token(self) -> str:
        """A token valid for a few more minutes at least."""
        cached = self._cached
        if cached is not None and cached[1] > utcnow() + MARGIN:
            return cached[0]
        async with self._lock:
            return await self._load_or_refresh(rejected=None)

    async def after_rejection(self, rejected: str) -> str:
        """Zalo refused this token (-124): get another, refreshing unless a worker already did."""
        async with self._lock:
            return await self._load_or_refresh(rejected=rejected)

    async def _load_or_refresh(self, *, rejected: str | None) -> str:
        s = self._settings
        async with self._sessions() as session:
            await self._seed(session)
            if session.bind.dialect.name == "sqlite":  # take the write lock before reading
                await session.execute(
                    update(ProviderCredential)
                    .where(ProviderCredential.provider == PROVIDER)
                    .values(version=ProviderCredential.version)
                )
            row = (
                await session.scalars(
                    select(ProviderCredential)
                    .where(ProviderCredential.provider == PROVIDER)
                    .with_for_update()
                    .execution_options(populate_existing=True)
                )
            ).one()
            now = utcnow()
            if row.access_token_ciphertext and row.access_expires_at:
                token = crypto.decrypt(s, row.access_token_ciphertext)
                if token != rejected and row.access_expires_at > now + MARGIN:
                    await session.commit()  # another worker refreshed meanwhile
                    self._cached = (token, row.access_expires_at)
                    return token
            # The HTTP call runs under the row lock on purpose: the refresh token is single-use.
            access, refresh, expires_in = await self._refresh(
                crypto.decrypt(s, row.refresh_token_ciphertext)
            )
            row.access_token_ciphertext = crypto.encrypt(s, access)
            row.refresh_token_ciphertext = crypto.encrypt(s, refresh)
            row.access_expires_at = now + timedelta(seconds=expires_in)
            row.refreshed_at = now
            row.updated_at = now
            row.version += 1
            expires_at = row.access_expires_at
            await session.commit()
        self._cached = (access, expires_at)
        return access

    async def _seed(self, session: AsyncSession) -> None:
        """The first refresh token comes from the settings, once; after that from the row."""
        if not self._settings.zalo_refresh_token:
            exists = await session.scalar(
                select(ProviderCredential.provider).where(ProviderCredential.provider == PROVIDER)
            )
            if exists is None:
                raise PermanentError("no Zalo refresh token: set TTQ_ZALO_REFRESH_TOKEN once")
            return
        insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        await session.execute(
            insert(ProviderCredential)
            .values(
                provider=PROVIDER,
                refresh_token_ciphertext=crypto.encrypt(
                    self._settings, self._settings.zalo_refresh_token
                ),
                version=1,
                updated_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["provider"])
        )

    async def _refresh(self, refresh_token: str) -> tuple[str, str, float]:
        s = self._settings
        try:
            response = await self._http.post(
                f"{s.zalo_oauth_url.rstrip('/')}/v4/oa/access_token",
                headers={"secret_key": s.zalo_app_secret or ""},
                data={
                    "refresh_token": refresh_token,
                    "app_id": s.zalo_app_id or "",
                    "grant_type": "refresh_token",
                },
            )
        except httpx.HTTPError as exc:
            raise RetryableError(f"zalo oauth: {type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise RetryableError(f"zalo oauth: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise RetryableError("zalo oauth: answer is not JSON") from None
        if not body.get("access_token") or not body.get("refresh_token"):
            # An expired or spent refresh token: only a person re-authorizing the OA helps.
            raise PermanentError(
                f"zalo oauth refused: {body.get('error')} {body.get('error_description', '')}"
            )
        return body["access_token"], body["refresh_token"], float(body.get("expires_in") or 3600)


async def replace_refresh_token(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, refresh_token: str
) -> None:
    """Start the rotation again from a new refresh token (the OA was re-authorized)."""
    async with session_factory() as session:
        row = await session.get(ProviderCredential, PROVIDER, with_for_update=True)
        if row is None:
            row = ProviderCredential(provider=PROVIDER, refresh_token_ciphertext="")
            session.add(row)
        row.refresh_token_ciphertext = crypto.encrypt(settings, refresh_token)
        row.access_token_ciphertext = None
        row.access_expires_at = None
        row.updated_at = utcnow()
        row.version = (row.version or 0) + 1
        await session.commit()
