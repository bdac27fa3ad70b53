"""Fetch layer: asyncio + httpx with per-request timeouts, jittered retries, ``Retry-After``, per-provider rate
limits and error classification. Every HTTP response (including failed attempts) is recorded as a ``RawResponse``.

Classification (``core/errors.py``): timeouts, transport errors, 429, 5xx and a venue's retryable error codes
(``Provider.error_codes``) are retried, then raise ``RetryableSourceError``; a keyed provider's 401/403 raises
``RejectedKeyError`` and 451/403/418 raise ``BlockedSourceError`` at once; a venue error code mapped to another
class raises that class; other non-2xx raise ``SourceError``. Every error carries its provider, dataset, HTTP
status and Retry-After as fields.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from derivintel.core.errors import BlockedSourceError, RejectedKeyError, RetryableSourceError, SourceError
from derivintel.sources.config import SourceConfig
from derivintel.sources.declarations import ErrorCodes, RateLimit
from derivintel.sources.wire import BLOCKED_STATUS, REJECTED_KEY_STATUS, RawResponse, RequestSpec


class TokenBucket:
    """Async token bucket: ``rate`` tokens per second, at most ``capacity`` banked."""

    def __init__(self, rate: float, capacity: int, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError("token bucket needs rate > 0 and capacity >= 1")
        self.rate = rate
        self.capacity = float(capacity)
        self._tokens = float(capacity)
        self._clock = clock
        self._last = clock()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now

    async def acquire(self) -> None:
        """Wait until a token is available and take it."""
        async with self._lock:
            while True:
                self._refill()
                if self._tokens >= 1.0 - 1e-9:  # tolerance: float rounding after an exact wait
                    self._tokens = max(0.0, self._tokens - 1.0)
                    return
                await asyncio.sleep((1.0 - self._tokens) / self.rate)


@dataclass
class _Throttle:
    bucket: TokenBucket
    semaphore: asyncio.Semaphore


def backoff_delay(attempt: int, config: SourceConfig, rng: random.Random) -> float:
    """Jittered exponential backoff before retry ``attempt`` (0-based): ``min(max, base·2^a) · U(0.5, 1)``."""
    return min(config.backoff_max_s, config.backoff_base_s * (2.0**attempt)) * rng.uniform(0.5, 1.0)


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` in seconds when given as a number (HTTP-date forms are ignored)."""
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(0.0, seconds)


@dataclass
class HttpFetcher:
    """Performs ``RequestSpec``s with retries and rate limits; ``responses`` collects every HTTP answer."""

    client: httpx.AsyncClient
    config: SourceConfig
    rate_limits: Mapping[str, RateLimit]
    error_codes: Mapping[str, ErrorCodes | None] = field(default_factory=dict)
    # Keyed providers → the env var holding the key: their 401/403 raises ``RejectedKeyError`` (named in the message).
    key_env: Mapping[str, str] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    responses: list[RawResponse] = field(default_factory=list)
    _throttles: dict[str, _Throttle] = field(default_factory=dict)

    def _throttle(self, provider: str) -> _Throttle:
        if provider not in self._throttles:
            limit = self.rate_limits.get(provider, RateLimit(requests_per_s=5.0, burst=5, max_concurrent=4))
            self._throttles[provider] = _Throttle(
                TokenBucket(limit.requests_per_s * self.config.rate_limit_scale, limit.burst),
                asyncio.Semaphore(limit.max_concurrent),
            )
        return self._throttles[provider]

    async def _send(self, spec: RequestSpec, attempt: int) -> RawResponse:
        throttle = self._throttle(spec.provider)
        await throttle.bucket.acquire()
        async with throttle.semaphore:
            request = self.client.build_request(
                spec.method,
                spec.url,
                params=list(spec.params) or None,
                json=spec.json_body,
                timeout=self.config.timeout_s,
            )
            ts_sent = datetime.now(UTC)
            response = await self.client.send(request)
            body = response.content
            ts_received = datetime.now(UTC)
        return RawResponse(
            provider=spec.provider,
            dataset=spec.dataset,
            asset=spec.asset,
            method=spec.method,
            url=spec.url,
            params=dict(spec.params),
            request_body=request.content or None,
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=body,
            ts_sent=ts_sent,
            ts_received=ts_received,
            attempt=attempt,
            page=spec.page,
        )

    async def fetch(self, spec: RequestSpec) -> RawResponse:
        """Perform ``spec``; return the successful ``RawResponse`` or raise a ``SourceError`` subclass."""
        source = spec.label
        attempts = 1 + self.config.max_retries
        last_reason = ""
        connect_failures = 0
        last_status: int | None = None
        last_retry_after: float | None = None
        for attempt in range(attempts):
            wait: float | None = None
            try:
                raw = await self._send(spec, attempt + 1)
            except httpx.TimeoutException:
                last_reason = f"timeout after {self.config.timeout_s:g} s"
            except httpx.ConnectError as exc:
                last_reason = f"network error: cannot connect ({exc})"
                connect_failures += 1
                if connect_failures > self.config.connect_retries:
                    break
            except httpx.TransportError as exc:
                last_reason = f"network error: {type(exc).__name__}: {exc}"
            else:
                self.responses.append(raw)
                fields = {"provider": spec.provider, "dataset": spec.dataset, "status": raw.status}
                if spec.provider in self.key_env and raw.status in REJECTED_KEY_STATUS:
                    var = self.key_env[spec.provider]
                    reason = f"rejected key (HTTP {raw.status}: invalid key or endpoint not in the plan; not retried)"
                    raise RejectedKeyError(source, f"{reason}; check {var}", **fields)
                if raw.status in BLOCKED_STATUS:
                    message = f"HTTP {raw.status}: blocked from this location (not retried)"
                    raise BlockedSourceError(source, message, **fields)
                codes = self.error_codes.get(spec.provider)
                hit = None if codes is None else codes.classify(raw.body)
                if hit is not None and not issubclass(hit[1], RetryableSourceError):
                    raise hit[1](source, f"HTTP {raw.status}: venue error code {hit[0]} (not retried)", **fields)
                if raw.ok and hit is None:
                    return raw
                if raw.status == 429 or raw.status >= 500 or hit is not None:
                    last_reason = f"HTTP {raw.status}" + (" (rate limited)" if raw.status == 429 else "")
                    last_status = raw.status
                    after = retry_after_seconds(raw.headers)
                    last_retry_after = after
                    if after is not None:
                        wait = min(after, self.config.retry_after_cap_s)
                else:
                    message = f"HTTP {raw.status}: {raw.body[:200].decode('utf-8', 'replace')}"
                    raise SourceError(source, message, **fields)
            if attempt + 1 < attempts:
                await self.sleep(wait if wait is not None else backoff_delay(attempt, self.config, self.rng))
        raise RetryableSourceError(
            source,
            f"{last_reason}; gave up after {attempt + 1} attempt(s)",
            provider=spec.provider,
            dataset=spec.dataset,
            status=last_status,
            retry_after_s=last_retry_after,
        )
