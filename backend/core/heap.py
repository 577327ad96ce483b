"""Keep the garbage collector off the long-lived start-up heap, and the C heap small."""

import ctypes
import ctypes.util
import gc

M_ARENA_MAX = -8  # glibc's mallopt parameter


def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:  # not glibc (musl, macOS): nothing to tune
        return None


def settle_heap() -> None:
    """Collect once, then freeze what survives (the app, its routes, models and SQL metadata).

    Why: the cyclic collector's full passes walk every tracked object. After start-up that is
    hundreds of thousands of objects that live as long as the process, so a batch upload that
    allocates a few thousand objects paid for walking all of them again: freezing them cut the
    upload path's CPU per 500 scans by a third (bench/bench_scan_ingest.py). Frozen objects are
    never freed, which is what start-up objects are anyway.

    Also, on glibc: at most two malloc arenas (each thread that allocates — the worker threads
    of password hashing, exports and sync — otherwise gets its own arena, up to eight per core,
    each holding on to freed memory), and the import-time garbage handed back to the system.
    Measured by bench/bench_memory.py.
    """
    gc.collect()
    gc.freeze()
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, 2)
        libc.malloc_trim(0)
