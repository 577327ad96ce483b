import pytest


@pytest.fixture
def settings(settings):
    """No settle delay on the change feed, so a test sees its own writes at once."""
    return settings.model_copy(update={"patrol_feed_settle_seconds": 0})
