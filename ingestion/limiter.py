"""A rolling-window request limiter shared by every worker thread, and the retry backoff.

Spotify counts requests per app over a rolling 30-second window (Deezer per 5 seconds), so a
token bucket would let bursts through that the real window refuses; this keeps the send times
of the last window and waits until the oldest leaves it. Every client of the package (Spotify,
Deezer, Last.fm) uses these two.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque

MAX_BACKOFF_SECONDS = 30.0


def backoff_delay(base: float, attempt: int) -> float:
    """Exponential backoff for the `attempt`-th retry (1-based), with jitter so worker threads
    that failed together do not retry together."""
    delay = min(MAX_BACKOFF_SECONDS, base * 2 ** (attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)


class RollingWindowLimiter:
    def __init__(self, max_requests: int, window_seconds: float = 30.0) -> None:
        self.max_requests = max_requests
        self.window = window_seconds
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Block until a request may be sent; return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = time.monotonic()
                while self._sent and now - self._sent[0] >= self.window:
                    self._sent.popleft()
                delay = self._paused_until - now
                if delay <= 0 and len(self._sent) < self.max_requests:
                    self._sent.append(now)
                    return waited
                if delay <= 0:
                    delay = self.window - (now - self._sent[0])
            delay = max(delay, 0.001)
            time.sleep(delay)
            waited += delay

    def pause(self, seconds: float) -> None:
        """Hold every thread back (after a 429: the whole app is over its limit, not one call)."""
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)
