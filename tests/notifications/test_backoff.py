"""The retry schedule: exponential, capped, jittered, Retry-After honoured."""

from backend.notifications.backoff import retry_delay

KW = {"base": 5.0, "cap": 1800.0, "jitter": 0.2}


def test_schedule_doubles_then_caps():
    middle = [retry_delay(n, rng=lambda: 0.5, **KW) for n in range(1, 12)]
    assert middle == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 1800, 1800]


def test_jitter_spreads_within_bounds():
    for n in range(1, 9):
        plain = 5.0 * 2 ** (n - 1)
        assert retry_delay(n, rng=lambda: 0.0, **KW) == plain * 0.8
        assert retry_delay(n, rng=lambda: 1.0, **KW) == plain * 1.2
    assert retry_delay(20, rng=lambda: 1.0, **KW) == 1800  # never past the cap


def test_retry_after_is_a_floor():
    assert retry_delay(1, rng=lambda: 0.5, retry_after=120, **KW) == 120
    assert retry_delay(8, rng=lambda: 0.5, retry_after=1, **KW) == 640
    assert retry_delay(1, rng=lambda: 0.5, retry_after=10**6, **KW) == 1800
