"""Reproducible fault injection for the sandbox.

A `FaultPlan` is a list of `Fault` rules. Each API request (`GET /v1/...`) gets a 1-based
number when it arrives; token requests (`POST /api/token`) are never numbered nor faulted, so
"the 3rd API call" stays the 3rd whatever the client's token handling does. A rule restricted to
some endpoints numbers only the requests to those endpoints ("the 2nd artist_albums call").

A rule fires on its listed request numbers, or at its rate: the decision for request k is a hash
of (plan seed, rule index, k), so a plan replays identically (with concurrent clients, which
request gets number k depends on arrival order, as with any server).

The first rule that fires decides the answer, except `latency`, which only delays it and lets
the request go on (to the next rules and then the normal answer).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from ingestion.sandbox.ids import unit

KINDS = (
    "rate_limit",  # 429 with Retry-After (and the QUOTA_EXCEEDED body when quota=True)
    "server_error",  # 500/502/503 (`status`)
    "latency",  # sleep `delay` seconds, then answer normally
    "drop",  # close the connection without any response
    "malformed",  # 200 with a body that is not JSON
    "truncated",  # 200 with the real body cut off (Content-Length matches the cut body)
    "expire_token",  # the request's token is revoked early: 401 now and for later requests
)


@dataclass(frozen=True)
class Fault:
    kind: str
    rate: float = 0.0  # probability per request, 0..1
    on_requests: tuple[int, ...] = ()  # 1-based request numbers (within `endpoints`, if given)
    endpoints: tuple[str, ...] | None = None  # endpoint names, as in request_counts
    retry_after: int = 1  # rate_limit: the Retry-After header, in seconds
    quota: bool = False  # rate_limit: body with "reason": "QUOTA_EXCEEDED"
    status: int = 503  # server_error: 500, 502 or 503
    delay: float = 0.2  # latency: seconds

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(KINDS)}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be within 0..1")
        if self.kind == "server_error" and self.status not in (500, 502, 503):
            raise ValueError("server_error status must be 500, 502 or 503")


@dataclass(frozen=True)
class FaultPlan:
    faults: tuple[Fault, ...] = ()
    seed: int = 0

    @classmethod
    def of(cls, *faults: Fault, seed: int = 0) -> FaultPlan:
        return cls(tuple(faults), seed)


@dataclass
class Decision:
    number: int  # the request's global API request number
    latency: float = 0.0
    fault: Fault | None = None


@dataclass
class FaultInjector:
    """Numbers API requests and decides, thread-safely, which faults hit them."""

    plan: FaultPlan
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _total: int = 0
    _per_rule: Counter = field(default_factory=Counter)
    fired: Counter = field(default_factory=Counter)  # kind -> times fired, for tests

    def decide(self, endpoint: str) -> Decision:
        with self._lock:
            self._total += 1
            decision = Decision(self._total)
            for index, rule in enumerate(self.plan.faults):
                if rule.endpoints is not None and endpoint not in rule.endpoints:
                    continue
                self._per_rule[index] += 1
                k = self._per_rule[index]
                hit = k in rule.on_requests or (
                    rule.rate > 0 and unit(self.plan.seed, index, k) < rule.rate
                )
                if not hit or decision.fault is not None:
                    continue
                self.fired[rule.kind] += 1
                if rule.kind == "latency":
                    decision.latency += rule.delay
                else:
                    decision.fault = rule
            return decision
