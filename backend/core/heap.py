"""Keep the garbage collector off the long-lived start-up heap."""

import gc


def settle_heap() -> None:
    """Collect once, then freeze what survives (the app, its routes, models and SQL metadata).

    Why: the cyclic collector's full passes walk every tracked object. After start-up that is
    hundreds of thousands of objects that live as long as the process, so a batch upload that
    allocates a few thousand objects paid for walking all of them again: freezing them cut the
    upload path's CPU per 500 scans by a third (bench/bench_scan_ingest.py). Frozen objects are
    never freed, which is what start-up objects are anyway.
    """
    gc.collect()
    gc.freeze()
