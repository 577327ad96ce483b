"""Settings read from the environment (prefix ``TTQ_``) and ``.env``."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-insecure-secret-do-not-use-in-production"
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """Every knob of the service; defaults run the embedded SQLite demo."""

    model_config = SettingsConfigDict(env_prefix="TTQ_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production", "staging"] = "development"
    database_url: str = "sqlite+aiosqlite:///./var/ttq.db"
    secret_key: str = DEV_SECRET
    access_token_minutes: int = Field(default=15, ge=1, le=60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    # A phone on a bad network may send the same refresh token twice when the first answer was
    # lost; within this window that is treated as a retry, not as theft.
    refresh_reuse_grace_seconds: int = Field(default=60, ge=0, le=600)
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=30, ge=1)
    login_window_seconds: int = Field(default=900, ge=10)
    # Seconds a sign-in waits for a password-hashing slot (one per core) before it answers 503
    # `server_busy` with Retry-After: fifty phones at once on an overloaded two-core machine
    # queued for up to a minute, past a phone's timeout (30 s is the common mobile client's).
    # Not less: a burst of sign-ins on a busy machine must still get through (10 s refused 3 of
    # 50 phones of tests/core/test_sqlite_load.py while CI ran both suites).
    auth_hash_wait_seconds: float = Field(default=30, gt=0, le=120)
    cors_origins: list[str] = []
    page_limit_max: int = 200
    log_level: str = "INFO"
    # None = JSON lines when stderr is not a terminal, readable lines when it is.
    log_json: bool | None = None
    # --- database pool (PostgreSQL; per process) ---
    # Defaults fit PostgreSQL's default max_connections (100): two API processes and a worker
    # hold at most 3 x 20 = 60, leaving room for psql, migrations and a second worker.
    # No overflow: SQLAlchemy closes an overflow connection given back while its queue is full,
    # and under load connections come back in bursts (one event-loop turn resumes many finished
    # statements before the requests waiting for a connection run), so overflow connections
    # were closed and reopened all the time. bench/bench_http.py, GET /me, 2 processes of
    # 4 + 4: 700 PostgreSQL sessions opened in 8 s and 1,086 answers/s; of 8 + 0: none
    # opened and 2,669 answers/s. Opened when first needed, then kept (recycled after 30 min).
    db_pool_size: int = Field(default=20, ge=1, le=200)
    db_max_overflow: int = Field(default=0, ge=0, le=200)
    # Seconds a request waits for a free connection before it answers 503 with Retry-After
    # (never a 30 s hang): a full pool means the database is the bottleneck, so shed load.
    db_pool_timeout_seconds: float = Field(default=5, gt=0, le=60)
    db_pool_recycle_seconds: int = Field(default=1800, ge=-1)
    # A round trip per checkout to test the connection; off: a broken connection fails its
    # request and the pool is refreshed (SQLAlchemy invalidates it on a disconnect error).
    db_pool_pre_ping: bool = False
    # Prepared statements cached per connection (asyncpg and SQLAlchemy). Behind PgBouncer in
    # transaction mode set 0: statements are then unnamed-per-use and never cached.
    db_statement_cache_size: int = Field(default=100, ge=0)
    # `ttq serve --workers N`: seconds a worker may take to answer the supervisor's health ping
    # before it is killed and restarted (uvicorn's default of 5 s killed busy workers).
    serve_worker_healthcheck_seconds: int = Field(default=60, ge=1, le=3600)

    # Answers at least this big (bytes) are gzipped when the client sends Accept-Encoding: gzip
    # (sync feeds shrink 5-10x); 0 turns compression off. Streams are never compressed.
    gzip_minimum_size: int = Field(default=1024, ge=0)
    gzip_level: int = Field(default=5, ge=1, le=9)  # 5: most of level 9's gain, a third its CPU

    # Freeze the start-up heap out of the garbage collector (backend/core/heap.py).
    # None = on unless the environment is "test" (a test process starts many apps).
    gc_freeze: bool | None = None

    # --- notifications (outbox delivery: `ttq worker`, or in `ttq serve` on SQLite) ---
    # None = on when the database is SQLite and the environment is not "test".
    notify_dispatch_in_process: bool | None = None
    notify_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    notify_concurrency: int = Field(default=16, ge=1, le=256)
    notify_batch_size: int = Field(default=50, ge=1, le=1000)
    # A claimed delivery belongs to its worker this long; must exceed the HTTP timeout.
    notify_lease_seconds: float = Field(default=60, ge=1)
    notify_http_timeout_seconds: float = Field(default=10, gt=0)
    notify_max_attempts: int = Field(default=10, ge=1, le=100)
    notify_retry_base_seconds: float = Field(default=5, gt=0)
    notify_retry_max_seconds: float = Field(default=1800, gt=0)
    notify_retry_jitter: float = Field(default=0.2, ge=0, le=1)
    # Fernet key for webhook secrets; derived from secret_key when unset.
    notify_encryption_key: str | None = None
    notify_webhook_require_https: bool | None = None  # None = only in production
    # Webhooks may only reach public addresses (notifications/channels/webhook_guard.py); a
    # closed deployment names here the internal hosts (names or addresses) they may reach.
    notify_webhook_allowed_hosts: list[str] = []
    # Event types (globs) also sent by SMS to recipients, besides any severity-1 event.
    notify_sms_event_types: list[str] = ["escalation.*", "incident.escalated"]
    notify_sms_provider: Literal["none", "log", "esms", "speedsms"] = "none"
    notify_stream_poll_seconds: float | None = None  # None = 1 s on SQLite, 15 s on PostgreSQL
    notify_stream_heartbeat_seconds: float = Field(default=15, gt=0)
    notify_jobs_interval_seconds: float = Field(default=60, gt=0)
    # "module:function" periodic jobs; a missing module or function is skipped.
    notify_jobs: list[str] = [
        "backend.patrols.tasks:check_missed_windows",
        "backend.escalations.tasks:check_deadlines",
        "backend.dashboards.tasks:refresh_rollups",  # dashboards read rollups only
        "backend.dashboards.tasks:remind_periodic_reports",  # once per unit and period
        "backend.patrols.tasks:purge_old_tracks",  # location data kept track_retention_days
        "backend.core.idempotency:purge_expired",
    ]
    fcm_credentials_file: str | None = None  # a Firebase service-account JSON file
    fcm_credentials_json: str | None = None  # or its content
    fcm_project_id: str | None = None  # defaults to the credentials' project_id

    # --- reaching people outside the app: fallback, one-tap links, Zalo ZNS, SMS brandname ---
    # (README "Zalo and SMS brandname"). Urgent events (severity 1, or notify_sms_event_types)
    # go push -> Zalo -> SMS per recipient; each step waits this long for an acknowledgement.
    notify_fallback_delay_seconds: float = Field(default=120, ge=0, le=3600)
    # Public base URL of this service: one-tap links (/l/<token>) and provider callbacks.
    notify_public_base_url: str = "http://127.0.0.1:8000"
    notify_link_ttl_hours: int = Field(default=72, ge=1, le=24 * 30)
    # Secret in provider receipt callback URLs; derived from secret_key when unset.
    notify_receipt_secret: str | None = None
    zalo_app_id: str | None = None  # set with zalo_app_secret to enable the Zalo channel
    zalo_app_secret: str | None = None
    # The Official Account's first refresh token only: once used, the rotated one lives in the
    # database (provider_credential), shared by every worker.
    zalo_refresh_token: str | None = None
    zalo_api_url: str = "https://business.openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com"
    # Event type (glob) -> approved ZNS template id; an event with no template is not sent.
    zalo_template_ids: dict[str, str] = {}
    zalo_development_mode: bool = False  # ZNS "development" mode: only the OA's admins receive
    zalo_oa_secret_key: str | None = None  # checks the OA webhook's X-ZEvent-Signature (receipts)
    esms_api_key: str | None = None
    esms_secret_key: str | None = None
    esms_brandname: str | None = None
    esms_api_url: str = "https://rest.esms.vn"
    esms_sandbox: bool = False
    speedsms_access_token: str | None = None
    speedsms_sender: str | None = None  # the registered brandname
    speedsms_sms_type: int = Field(default=3, ge=2, le=8)  # 3 = brandname
    speedsms_api_url: str = "https://api.speedsms.vn"

    # --- personal data at rest (backend/core/pii.py; README "Data protection") ---
    # Phone numbers are sealed (AES-GCM) with TTQ_PII_KEYS[TTQ_PII_KEY_ID] and found by a
    # blind index (HMAC-SHA256) with TTQ_PII_INDEX_KEYS[TTQ_PII_INDEX_KEY_ID]. Each value is
    # a JSON object {key id: key} (base64 of 32 random bytes, or a passphrase of 32+
    # characters); older keys stay listed until `ttq keys rotate` has resealed every row.
    # Unset: one key of each is derived from secret_key (changing that secret then needs the
    # old one listed here and a rotation, or the numbers no longer open).
    pii_keys: dict[str, str] = {}
    pii_key_id: str | None = None
    pii_index_keys: dict[str, str] = {}
    pii_index_key_id: str | None = None

    # --- incidents and escalations ---
    # Minutes to acknowledge an escalation, by severity 1..4.
    incident_ack_minutes: list[int] = Field(default=[15, 60, 240, 1440], min_length=4, max_length=4)
    # Severities up to this one go to the police at once, whatever the category.
    incident_police_severity: int = Field(default=1, ge=0, le=4)
    # Key for sealing reporter identities and persons involved (AES-GCM, base64 of 32 bytes
    # or any long passphrase); derived from secret_key when unset. Changing it (or the secret)
    # needs the old one in incident_seal_keys_old until `ttq keys rotate` has resealed.
    incident_seal_key: str | None = None
    # Earlier seal keys (or earlier secret_key values when no seal key was set), still tried
    # when a seal does not open with the current key.
    incident_seal_keys_old: list[str] = []
    # Rows changed this recently are held back from `since` feeds, so a transaction that
    # commits late cannot slip behind a cursor a phone already holds.
    incident_feed_settle_seconds: float = Field(default=2.0, ge=0, le=60)
    attachment_storage: Literal["local", "s3"] = "local"
    attachment_dir: str = "./var/attachments"
    attachment_max_bytes: int = Field(default=15 * 1024 * 1024, ge=1024)
    attachment_max_per_incident: int = Field(default=10, ge=1, le=100)
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None  # MinIO, Ceph, Viettel/VNPT/FPT object storage, ...
    s3_region: str = "ap-southeast-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_presign_seconds: int = Field(default=300, ge=10, le=7 * 24 * 3600)

    # --- patrols, checkpoint scans and batch upload ---
    # A scan farther than this from its house is flagged (metres).
    scan_radius_m: float = Field(default=150, gt=0)
    # A GPS fix less accurate than this (reported accuracy radius, metres) is flagged.
    scan_accuracy_max_m: float = Field(default=100, gt=0)
    # The phone's clock offset (the batch's sent_at against the server's receipt time) beyond
    # which every scan of that batch is flagged.
    scan_clock_skew_max_seconds: int = Field(default=300, ge=1)
    # The same house scanned again on the same patrol within this many seconds is flagged.
    scan_rescan_window_seconds: int = Field(default=600, ge=0)
    # Slack around a patrol's start and end before a scan counts as outside the patrol.
    scan_patrol_grace_seconds: int = Field(default=120, ge=0)
    # GPS tracks are personal location data: deleted this many days after they were recorded.
    track_retention_days: int = Field(default=90, ge=1)
    # Idempotency-Key records answer retries for this long, then the key may be reused.
    idempotency_key_ttl_hours: int = Field(default=24, ge=1, le=24 * 30)
    # A request still "in flight" this long is presumed dead (its process crashed).
    idempotency_lease_seconds: int = Field(default=120, ge=5)
    # Patrol plans: windows are local time; a window is judged this long after it ends
    # (phones upload late), and only windows that ended within the lookback are judged.
    plan_timezone: str = "Asia/Ho_Chi_Minh"
    plan_grace_minutes: int = Field(default=60, ge=0)
    plan_lookback_days: int = Field(default=3, ge=1, le=60)
    # Patrol/scan `since` feeds hold back rows this fresh, so a late commit is never skipped.
    patrol_feed_settle_seconds: float = Field(default=5.0, ge=0, le=120)

    # --- web console ---
    # A map tile server for the console's maps ("https://{s}.tile.example/{z}/{x}/{y}.png");
    # off by default: maps draw the app's own GeoJSON on a plain background, with no other host.
    map_tile_url: str | None = None

    # --- registry: sites, boarding houses, checkpoints ---
    # A house outside every site polygon belongs to the nearest site within this many metres.
    site_nearest_max_m: float = Field(default=2000, ge=0, le=50_000)
    site_boundary_max_points: int = Field(default=20_000, ge=4)  # vertices of one boundary
    geojson_limit_max: int = Field(default=2000, ge=1)  # features in one GeoJSON page
    printout_max_houses: int = Field(default=600, ge=1)  # QR codes on one A4 printout
    # A TrueType font with Vietnamese glyphs for the name under a QR PNG; None = search the
    # usual system paths (DejaVu Sans, Noto Sans, ...).
    qr_font_path: str | None = None

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> "Settings":
        if self.environment == "development":
            return self
        if self.secret_key == DEV_SECRET or len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"TTQ_SECRET_KEY must be set to a random value of at least {MIN_SECRET_LENGTH} "
                f"characters when TTQ_ENVIRONMENT={self.environment} "
                "(try: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self

    @model_validator(mode="after")
    def _check_pii_keys(self) -> "Settings":
        for keys, current, name in (
            (self.pii_keys, self.pii_key_id, "TTQ_PII_KEY_ID"),
            (self.pii_index_keys, self.pii_index_key_id, "TTQ_PII_INDEX_KEY_ID"),
        ):
            if not keys:
                if current is not None:
                    raise ValueError(f"{name} is set but its key list is empty")
                continue
            if current is None and len(keys) > 1:
                raise ValueError(f"{name} must name the current key among {sorted(keys)}")
            if current is not None and current not in keys:
                raise ValueError(f"{name}={current} is not one of {sorted(keys)}")
            for kid, material in keys.items():
                if not kid or len(kid) > 32 or not kid.replace("-", "").replace("_", "").isalnum():
                    raise ValueError(f"key id {kid!r}: 1-32 letters, digits, - or _")
                if len(material) < MIN_SECRET_LENGTH:
                    raise ValueError(f"key {kid!r} is shorter than {MIN_SECRET_LENGTH} characters")
        return self

    @property
    def freezes_heap(self) -> bool:
        if self.gc_freeze is None:
            return self.environment != "test"
        return self.gc_freeze

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
