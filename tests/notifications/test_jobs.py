"""Periodic jobs looked up by import: run once per interval, skipped when absent."""

import sys
import types

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from backend.models.notification import OutboxEvent, ScheduledJob
from backend.notifications.jobs import JobRunner, resolve
from backend.notifications.outbox import enqueue


@pytest.fixture
def fake_jobs(monkeypatch):
    calls = []

    async def check_missed_windows(session, now):
        calls.append(now)
        await enqueue(session, event_type="patrol.missed", payload={"at": now.isoformat()})
        return 1

    def sync_job():
        calls.append("sync")

    async def broken(session):
        raise RuntimeError("boom")

    module = types.ModuleType("ttq_fake_jobs")
    module.check_missed_windows = check_missed_windows
    module.sync_job = sync_job
    module.broken = broken
    monkeypatch.setitem(sys.modules, "ttq_fake_jobs", module)
    return calls


def test_absent_modules_and_functions_are_skipped():
    assert resolve("backend.no_such_domain.tasks:check") is None
    assert resolve("backend.notifications.outbox:no_such_function") is None
    assert resolve("backend.notifications.outbox:enqueue") is not None


async def test_jobs_run_once_per_interval(app, session, settings, clock, fake_jobs):
    specs = ["ttq_fake_jobs:check_missed_windows", "ttq_fake_jobs:sync_job", "nope.x:y"]
    runner = JobRunner(
        app.state.session_factory,
        settings.model_copy(update={"notify_jobs_interval_seconds": 60}),
        specs=specs,
        clock=clock,
    )
    other_worker = JobRunner(
        app.state.session_factory,
        settings.model_copy(update={"notify_jobs_interval_seconds": 60}),
        specs=specs,
        clock=clock,
    )
    assert list(runner.jobs) == specs[:2]
    start = clock.now

    assert await runner.run_due() == specs[:2]
    assert await other_worker.run_due() == []  # the same interval: already done
    clock.advance(30)
    assert await runner.run_due() == []
    clock.advance(30)
    assert await other_worker.run_due() == specs[:2]
    assert fake_jobs == [start, "sync", clock.now, "sync"]

    # What the job wrote was committed with it.
    events = (await session.scalars(select(OutboxEvent.event_type))).all()
    assert events == ["patrol.missed", "patrol.missed"]
    job = await session.get(ScheduledJob, specs[0])
    assert (job.last_status, job.locked_until) == ("ok", None)


async def test_failing_job_is_recorded_and_does_not_stop_others(
    app, session, settings, clock, fake_jobs
):
    runner = JobRunner(
        app.state.session_factory,
        settings,
        specs=["ttq_fake_jobs:broken", "ttq_fake_jobs:sync_job"],
        clock=clock,
    )
    assert await runner.run_due() == ["ttq_fake_jobs:broken", "ttq_fake_jobs:sync_job"]
    job = await session.get(ScheduledJob, "ttq_fake_jobs:broken")
    assert job.last_status == "error" and "boom" in job.last_error
    assert fake_jobs == ["sync"]


def test_worker_command_is_registered():
    from backend.cli import app as cli

    result = CliRunner().invoke(cli, ["worker", "--help"])
    assert result.exit_code == 0
    assert "--once" in result.output and "--worker-id" in result.output


async def test_the_real_domain_jobs_run_under_the_worker(app, session, settings):
    """Every job configured by default resolves and runs cleanly under the worker."""
    runner = JobRunner(app.state.session_factory, settings)
    assert list(runner.jobs) == settings.notify_jobs, "a default job did not resolve"
    assert {
        "backend.patrols.tasks:check_missed_windows",
        "backend.escalations.tasks:check_deadlines",
        "backend.dashboards.tasks:refresh_rollups",
        "backend.dashboards.tasks:remind_periodic_reports",
        "backend.patrols.tasks:purge_old_tracks",
        "backend.core.idempotency:purge_expired",
    } <= set(runner.jobs)
    assert await runner.run_due() == list(runner.jobs)
    for name in runner.jobs:
        job = await session.get(ScheduledJob, name)
        assert job.last_status == "ok", job.last_error
