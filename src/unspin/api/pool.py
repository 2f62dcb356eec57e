"""A bounded pool for analyses, so memory stays bounded however many requests arrive.

At most ``workers`` analyses run at once, on their own threads; at most ``max_waiting`` more wait
for a slot, each for at most ``wait_timeout`` seconds. Anything beyond that is refused with
``Busy``, which the API answers with 503 and a Retry-After header.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["AnalysisPool", "Busy"]

T = TypeVar("T")


class Busy(Exception):
    """Every analysis slot is taken and the wait for one ran out (or the queue is full)."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))


class AnalysisPool:
    """Run blocking analyses on a fixed number of threads with a bounded queue in front.

    Args:
        workers: analyses that may run at once.
        max_waiting: requests that may wait for a slot; more are refused at once.
        wait_timeout: seconds a request waits for a slot before it is refused.
    """

    def __init__(self, *, workers: int, max_waiting: int, wait_timeout: float) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self.max_waiting = max_waiting
        self.wait_timeout = wait_timeout
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._waiting = 0
        # asyncio primitives belong to one event loop; a test client may run several in turn
        self._slots: dict[int, asyncio.Semaphore] = {}

    def _semaphore(self) -> asyncio.Semaphore:
        loop_id = id(asyncio.get_running_loop())
        with self._lock:
            if loop_id not in self._slots:
                self._slots = {loop_id: asyncio.Semaphore(self.workers)}
            return self._slots[loop_id]

    @property
    def waiting(self) -> int:
        return self._waiting

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run ``fn(*args)`` on a pool thread once a slot is free.

        Raises:
            Busy: the queue is full or no slot freed up within ``wait_timeout``.
        """
        slots = self._semaphore()
        with self._lock:
            if self._waiting >= self.max_waiting and slots.locked():
                raise Busy(
                    f"the server is busy: {self.workers} analyses running and "
                    f"{self._waiting} waiting; try again shortly",
                    self.wait_timeout,
                )
            self._waiting += 1
        try:
            await asyncio.wait_for(slots.acquire(), timeout=self.wait_timeout)
        except TimeoutError:
            raise Busy(
                f"the server is busy: no analysis slot freed up within {self.wait_timeout:g} s; "
                "try again shortly",
                self.wait_timeout,
            ) from None
        finally:
            with self._lock:
                self._waiting -= 1
        loop = asyncio.get_running_loop()
        try:
            with self._lock:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(
                        max_workers=self.workers, thread_name_prefix="unspin-analysis"
                    )
                executor = self._executor
            future = executor.submit(fn, *args)
        except BaseException:
            slots.release()
            raise

        # the slot frees when the work ends, not when the request gives up on it, so a client
        # that disconnects cannot pile up work behind the pool
        def release(_: object) -> None:
            # a closed loop raises RuntimeError: nothing waits on its semaphore any more
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(slots.release)

        future.add_done_callback(release)
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        """Stop the threads after the running analyses finish (a later run starts new ones)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
