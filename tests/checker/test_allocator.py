"""Large blocks a build frees go back to the system at once, even after glibc has seen a larger
one (which, left to itself, would make it serve them from a heap that cannot shrink)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent(
    """
    from checker.allocator import return_large_blocks_promptly

    return_large_blocks_promptly()

    def resident_mb():
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) // 1024

    bytearray(8 << 20)  # one large block freed: glibc alone would raise its threshold past 1 MB
    before = resident_mb()
    large, small = [], []
    for _ in range(200):
        large.append(bytearray(1 << 20))
        small.append(bytearray(1024))  # from the heap, after each large block
    del large
    print(resident_mb() - before)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator and /proc are Linux's")
def test_two_hundred_freed_megabytes_are_not_kept() -> None:
    kept = int(subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout)
    assert kept < 20  # MB; 200 when the thresholds move
