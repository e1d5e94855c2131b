"""What every HTTP transport of the ingestion shares (Spotify's and the open-signal sources').

Each transport keeps its own rules (errors, retries, quotas); this base holds only the parts that
were the same in both: a pooled session without urllib3's own retries (they would sleep a whole
Retry-After behind the transport's back), and the thread-safe counts of what was sent, which the
run summary reports.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import requests

from ingestion.settings import Settings


class CountingTransport:
    """A pooled session and the counts of the requests, retries and rate limits of one run."""

    def __init__(
        self,
        settings: Settings,
        *,
        spare_connections: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=spare_connections,
            pool_maxsize=settings.max_workers + spare_connections,
            max_retries=0,
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._sleep = sleep
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.retries = 0
        self.rate_limited = 0

    def stats(self) -> dict[str, Any]:
        with self._lock:
            counts = dict(sorted(self.counts.items()))
            return {
                "requests": counts,
                "requests_total": sum(counts.values()),
                "retries": self.retries,
                "rate_limited": self.rate_limited,
            }
