"""Logs: readable lines at a terminal, JSON otherwise or when asked; jobs quiet at INFO."""

import io
import json
import logging
import sys
import types

import pytest

from backend.core.logging import HumanFormatter, JsonFormatter, configure_logging, wants_json
from backend.notifications.jobs import JobRunner, did_something


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def record(msg: str, name: str = "ttq.test", **extra) -> logging.LogRecord:
    rec = logging.makeLogRecord({"name": name, "msg": msg, "levelname": "INFO", "levelno": 20})
    rec.__dict__.update(extra)
    return rec


def test_json_unless_at_a_terminal_or_asked():
    assert wants_json(None, Tty()) is False
    assert wants_json(None, io.StringIO()) is True  # a pipe, a file, a log collector
    assert wants_json(True, Tty()) is True  # TTQ_LOG_JSON=true / --log-json
    assert wants_json(False, io.StringIO()) is False


def test_configure_logging_picks_the_formatter_from_the_stream(monkeypatch):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        monkeypatch.setattr(sys, "stderr", Tty())
        configure_logging("INFO", None)
        assert isinstance(root.handlers[0].formatter, HumanFormatter)
        monkeypatch.setattr(sys, "stderr", io.StringIO())
        configure_logging("INFO", None)
        assert isinstance(root.handlers[0].formatter, JsonFormatter)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def test_a_request_is_one_readable_line():
    line = HumanFormatter().format(
        record("request", name="ttq.http", method="GET", path="/api/v1/me", status=200, ms=3.1)
    )
    assert line.endswith("INFO    ttq.http: GET /api/v1/me 200 3.1ms")
    other = HumanFormatter().format(record("dispatcher started", worker_id="w1"))
    assert other.endswith("ttq.test: dispatcher started  worker_id=w1")
    assert "\x1b[" not in line + other and "{" not in line + other


def test_json_lines_carry_no_colour_codes():
    # uvicorn adds a coloured copy of its message for its own console formatter
    rec = record("Started server", color_message="Started \x1b[36mserver\x1b[0m")
    data = json.loads(JsonFormatter().format(rec))
    assert data["msg"] == "Started server" and "color_message" not in data


@pytest.mark.parametrize(
    "result, busy",
    [
        (None, False),
        (0, False),
        (3, True),
        ({"done": 0, "partial": 0, "missed": 0, "filed_from_held": 0}, False),
        ({"done": 0, "missed": 2}, True),
        ({"rows": {}, "house_days": 0, "team_days": 0, "cell_days": 0}, False),
        ({"rows": {"scan": 5}, "house_days": 0}, True),
        ([], False),
        ([object()], True),
    ],
)
def test_did_something(result, busy):
    assert did_something(result) is busy


async def test_idle_job_runs_are_debug_and_busy_ones_info(app, settings, monkeypatch, caplog):
    module = types.ModuleType("ttq_quiet_jobs")
    module.idle = lambda: 0
    module.busy = lambda: {"missed": 1}
    monkeypatch.setitem(sys.modules, "ttq_quiet_jobs", module)
    caplog.set_level(logging.DEBUG, logger="ttq.jobs")
    runner = JobRunner(
        app.state.session_factory,
        settings,
        specs=["ttq_quiet_jobs:idle", "ttq_quiet_jobs:busy"],
    )
    assert await runner.run_due() == ["ttq_quiet_jobs:idle", "ttq_quiet_jobs:busy"]
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert info == [
        "2 scheduled jobs every 60.0s",
        "scheduled job ran: ttq_quiet_jobs:busy -> {'missed': 1}",
    ]
