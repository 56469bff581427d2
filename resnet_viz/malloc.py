"""glibc heap settings for a long-running server (no-ops elsewhere).

Every analysis allocates and frees a few MB of activations, maps and pictures on a pool of worker
threads. With glibc's defaults (one heap per thread, up to 8 × cores; large blocks kept in the
heap) the server's RSS creeps up by tens of MB over hundreds of requests without any leak. Fewer
heaps, and blocks of 128 KB and more straight from mmap (so freeing them returns them to the OS),
keep it flat: benchmarks/bench_server.py measures it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
M_ARENA_MAX = -8
ARENAS = 2
MMAP_THRESHOLD = 128 * 1024

log = logging.getLogger("resnet_viz")


def tune_for_server() -> bool:
    """Apply the settings; False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    applied = mallopt(M_ARENA_MAX, ARENAS) == 1 and mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    if not applied:
        log.warning("mallopt refused the server heap settings; RSS may creep under load")
    return applied
