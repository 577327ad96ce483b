"""Duration buckets for times to acknowledge and to resolve, and percentiles read from them.

A median cannot be summed from daily medians, so rollups keep a histogram instead: counts per
bucket. The bounds are the round durations a reader thinks in (1, 2, 3, 5, 10 … minutes, 1, 2,
3 … hours, days), about 30 of them, so a month of a scope is a few dozen rows; everything past
30 days is one bucket. A percentile is reported as the lower bound of the bucket holding it
(nearest-rank definition): "half were acknowledged within 20 to 30 minutes" reads as 20 min.
"""

import bisect
import math
from collections.abc import Iterable
from itertools import pairwise

from sqlalchemy import case, literal_column

M, H, D = 60, 3600, 86400
BOUNDS: tuple[int, ...] = (
    0, M, 2 * M, 3 * M, 5 * M, 7 * M, 10 * M, 15 * M, 20 * M, 30 * M, 45 * M,
    H, 90 * M, 2 * H, 3 * H, 4 * H, 6 * H, 8 * H, 12 * H, 16 * H,
    D, 36 * H, 2 * D, 3 * D, 4 * D, 5 * D, 7 * D, 10 * D, 14 * D, 21 * D, 30 * D,
)  # fmt: skip
CAP = BOUNDS[-1]


def bucket_of(seconds: int) -> int:
    """The bucket (its lower bound) a duration falls in; negative clock noise counts as 0."""
    s = max(0, int(seconds))
    return BOUNDS[bisect.bisect_right(BOUNDS, s) - 1]


def bucket_sql(seconds):
    """The same bucket as a SQL expression (bounds inlined: PostgreSQL must see one
    expression wherever it is repeated)."""
    whens = [
        (seconds < literal_column(str(upper)), literal_column(str(lower)))
        for lower, upper in pairwise(BOUNDS)
    ]
    return case(*whens, else_=literal_column(str(CAP)))


def percentile(histogram: Iterable[tuple[int, int]], p: float) -> int | None:
    """Nearest-rank percentile (0 < p <= 100) of a histogram of (bucket, count)."""
    rows = sorted((b, n) for b, n in histogram if n > 0)
    total = sum(n for _, n in rows)
    if total == 0:
        return None
    rank = max(1, math.ceil(p / 100 * total))
    seen = 0
    for bucket, n in rows:
        seen += n
        if seen >= rank:
            return bucket
    return rows[-1][0]
