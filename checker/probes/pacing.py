"""How fast probes start: at most `concurrency` in flight, and only a few new ones per turn of the
event loop, so that the loop is never busy for long and each answer is timed when it arrives.

A probe's latency is stamped in the connection's own callback; if the loop were busy starting
hundreds of connections at once (a connect costs a fraction of a millisecond of CPU), an answer
that arrived meanwhile would wait in the socket and be stamped late: a 50 ms endpoint would be
recorded at 150 ms. Admitting `STARTS_PER_TURN` probes per turn keeps every turn to a few
milliseconds, which bounds that error, while still starting about a thousand probes a second.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterator

STARTS_PER_TURN = 16
"""Probes admitted per turn of the event loop."""


class Pacer:
    def __init__(self, concurrency: int, starts_per_turn: int = STARTS_PER_TURN) -> None:
        self._in_flight = asyncio.Semaphore(concurrency)
        self._starts_per_turn = starts_per_turn
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()
        self._ticking = False

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Held for the duration of one probe."""
        async with self._in_flight:
            await self._admission()
            yield

    async def _admission(self) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        if not self._ticking:
            self._ticking = True
            asyncio.get_running_loop().call_soon(self._tick)
        await waiter

    def _tick(self) -> None:
        admitted = 0
        while self._waiting and admitted < self._starts_per_turn:
            waiter = self._waiting.popleft()
            if not waiter.done():  # a cancelled probe no longer waits
                waiter.set_result(None)
                admitted += 1
        if self._waiting:
            asyncio.get_running_loop().call_soon(self._tick)
        else:
            self._ticking = False
