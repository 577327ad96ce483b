"""The PostgreSQL pool follows the settings (no connection is opened to check it)."""

from backend.core.config import Settings
from backend.core.db import make_engine

PG = "postgresql+asyncpg://u@127.0.0.1:1/none"


def test_pool_defaults_fit_two_processes_and_a_worker():
    s = Settings.model_construct()
    per_process = s.db_pool_size + s.db_max_overflow
    assert 3 * per_process <= 80  # of PostgreSQL's default 100, with room to administer
    assert s.db_pool_timeout_seconds <= 10  # refused quickly, never a 30 s hang
    assert s.serve_worker_healthcheck_seconds > 5  # uvicorn's 5 s killed busy workers


def test_pool_follows_settings():
    s = Settings.model_construct(
        db_pool_size=3, db_max_overflow=2, db_pool_timeout_seconds=1.5, db_pool_pre_ping=True
    )
    engine = make_engine(PG, s)
    assert engine.pool.size() == 3
    assert engine.pool._max_overflow == 2
    assert engine.pool._timeout == 1.5
    assert engine.pool._pre_ping is True


def test_pgbouncer_mode_turns_statement_caches_off(monkeypatch):
    from backend.core import db

    seen = {}

    def capture(url, **kwargs):
        seen.update(kwargs)

    monkeypatch.setattr(db, "create_async_engine", capture)
    make_engine(PG, Settings.model_construct(db_statement_cache_size=0))
    args = seen["connect_args"]
    assert args["statement_cache_size"] == 0 and args["prepared_statement_cache_size"] == 0
    first, second = args["prepared_statement_name_func"](), args["prepared_statement_name_func"]()
    assert first != second  # unique names: no clash on a connection PgBouncer shares

    make_engine(PG, Settings.model_construct())
    assert seen["connect_args"] == {"prepared_statement_cache_size": 100}


def test_pool_defaults_have_no_overflow_to_churn():
    # SQLAlchemy closes an overflow connection that comes back while its queue is full, and
    # under load connections come back in bursts: overflow meant connections closed and
    # reopened all the time (backend/core/config.py has the measurement).
    s = Settings.model_construct()
    assert s.db_max_overflow == 0
    assert s.db_pool_size >= 10  # what 10 + 10 allowed at most is the same order
