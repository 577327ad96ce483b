"""When to try a failed delivery again: exponential backoff with jitter."""

import random
from collections.abc import Callable


def retry_delay(
    attempt: int,
    *,
    base: float,
    cap: float,
    jitter: float,
    rng: Callable[[], float] = random.random,
    retry_after: float | None = None,
) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based).

    ``base * 2**(attempt-1)``, capped, then spread by ±``jitter`` (a fraction) so that
    workers retrying after an outage do not all knock at once. A receiver's Retry-After is
    honoured when longer (still capped).
    """
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    delay *= 1 + jitter * (2 * rng() - 1)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return max(0.0, min(cap, delay))
