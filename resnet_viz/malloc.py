"""glibc heap settings for a long-running server (no-ops elsewhere).

Every analysis allocates and frees a few MB of activations, maps and pictures on a pool of worker
threads. With glibc's defaults (one heap per thread, up to 8 × cores) the server's RSS creeps up over
hundreds of requests without any leak; two heaps, and a thread that hands the heaps' free pages back
to the OS every second (`malloc_trim`), keep it in check.

Blocks of 128 KB and more straight from mmap (tried too: it made RSS flat) are NOT set: every
activation tensor then costs an mmap, page faults on first touch and an munmap, and one analysis took
twice as long (resnet18 on 2 CPU cores: 95 ms instead of 46, measured in-process side by side).
Setting the threshold at all also stops glibc's own dynamic threshold, which is what keeps big
tensors cheap.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading

M_ARENA_MAX = -8  # glibc's malloc.h
ARENAS = 2
TRIM_EVERY_S = 1.0
_trimmer: threading.Thread | None = None
_stop = threading.Event()

log = logging.getLogger("resnet_viz")


def tune_for_server() -> bool:
    """Apply the settings; False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    applied = mallopt(M_ARENA_MAX, ARENAS) == 1
    if not applied:
        log.warning("mallopt refused the server heap settings; RSS may creep under load")
    _start_trimming(libc)
    return applied


def trim_heap() -> bool:
    """Hand the heaps' free pages back to the OS now (what the server's thread does every second);
    False where the C library has no malloc_trim."""
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError, TypeError):
        return False
    trim(0)
    return True


def _start_trimming(libc: ctypes.CDLL) -> None:
    """One daemon thread per process: malloc_trim(0) every TRIM_EVERY_S seconds (well under a ms to a few ms),
    off the request path, instead of an mmap per tensor on it."""
    global _trimmer
    trim = getattr(libc, "malloc_trim", None)
    if trim is None or _trimmer is not None:
        return

    def run() -> None:
        while not _stop.wait(TRIM_EVERY_S):
            trim(0)

    _stop.clear()
    _trimmer = threading.Thread(target=run, name="resnet-viz-malloc-trim", daemon=True)
    _trimmer.start()


def stop_trimming(timeout: float = 5.0) -> None:
    """Stop the trimming thread (the app's close() calls this); tune_for_server starts it again."""
    global _trimmer
    if _trimmer is None:
        return
    _stop.set()
    _trimmer.join(timeout)
    _trimmer = None
