"""Large blocks of memory handed back to the system as soon as they are freed.

glibc's allocator serves a request above its threshold (128 kB to start with) from a mapping of
its own, returned whole when freed; but each time such a block is freed it raises the threshold
to that block's size (up to 32 MB), so later blocks of that size come from the heap, where a small
block allocated after them keeps the heap from shrinking. A large build frees many such blocks
(the caches written in parts, rendered pages, the manifest): a 50,000-incident build held about
20 MB more at its peak this way. Fixing the thresholds keeps the first behaviour throughout.
"""

from __future__ import annotations

import contextlib
import ctypes

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
"""mallopt's parameters (glibc's malloc.h)."""

LARGE_BLOCK = 128 * 1024
"""glibc's own starting threshold: blocks this large or larger get a mapping of their own."""


def return_large_blocks_promptly() -> None:
    """Fix glibc's thresholds for the rest of the process; elsewhere (musl, macOS) do nothing."""
    with contextlib.suppress(OSError, AttributeError):
        mallopt = ctypes.CDLL(None).mallopt
        mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
        mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)
        mallopt(M_TRIM_THRESHOLD, 2 * LARGE_BLOCK)
