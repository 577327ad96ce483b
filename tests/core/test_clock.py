"""The one injected clock: every stamp moves with it, whatever the date the suite runs on."""

from datetime import UTC, date, datetime, timedelta

import pytest

from backend.core import clock
from backend.core.clock import FrozenClock
from backend.models import utcnow
from backend.notifications.fanout import fanout_once
from backend.notifications.outbox import enqueue
from backend.notifications.wiring import build_channels

# Far from any real "now", on both sides: a stamp taken from the OS clock would not match.
DATES = [datetime(2019, 3, 4, 5, 6, tzinfo=UTC), datetime(2035, 7, 8, 9, 10, tzinfo=UTC)]


def test_now_and_today_read_the_installed_clock():
    frozen = FrozenClock(datetime(2026, 12, 31, 17, 30, tzinfo=UTC))  # 00:30 on 1 Jan in Vietnam
    with clock.installed(frozen):
        assert clock.now() == utcnow() == frozen.current
        assert clock.today() == date(2027, 1, 1)
        frozen.advance(hours=1)
        assert clock.now() == datetime(2026, 12, 31, 18, 30, tzinfo=UTC)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_frozen_clock_refuses_a_naive_start():
    with pytest.raises(ValueError):
        FrozenClock(datetime(2026, 1, 1))


@pytest.mark.parametrize("when", DATES, ids=lambda d: str(d.year))
async def test_outbox_stamps_and_fanout_agree_on_any_date(app, session, settings, when):
    """The bug that broke CI: the outbox stamped the OS clock, the dispatcher a test's clock."""
    with clock.installed(FrozenClock(when)):
        event = await enqueue(session, event_type="test.ping", payload={}, unit_ids=[])
        await session.commit()
        assert event.created_at == event.next_attempt_at == when

        channels = build_channels(settings, app.state.session_factory, None)
        claimed = await fanout_once(app.state.session_factory, channels, settings, now=clock.now())
    assert claimed == 1
