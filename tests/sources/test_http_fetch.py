"""Fetch layer: retries, Retry-After, blocked statuses, venue error codes, typed error fields, token bucket,
config loading."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from derivintel.core.errors import (
    BadPayloadError,
    BlockedSourceError,
    RejectedKeyError,
    RetryableSourceError,
    SourceError,
    UserInputError,
)
from derivintel.core.provenance import GapKind
from derivintel.sources.assembly import gap_kind
from derivintel.sources.bybit import endpoints as bybit_ep
from derivintel.sources.config import SourceConfig, env_key
from derivintel.sources.declarations import ErrorCodes, RateLimit
from derivintel.sources.http import HttpFetcher, RequestSpec, TokenBucket, backoff_delay, retry_after_seconds

SPEC = RequestSpec("bybit", "tickers", "BTC", "GET", "http://venue.test/v5/market/tickers", (("symbol", "BTCUSDT"),))
CONFIG = SourceConfig(max_retries=2, backoff_base_s=0.5, backoff_max_s=4.0, retry_after_cap_s=3.0)


def run(
    answers: list[Callable[[httpx.Request], httpx.Response]],
    *,
    codes: ErrorCodes | None = None,
    key_env: dict[str, str] | None = None,
) -> tuple[object, list[float], int, HttpFetcher]:
    """Run one fetch against a transport replaying ``answers`` in order; returns (result or error, sleeps, calls)."""
    calls = 0
    sleeps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return answers[min(calls, len(answers)) - 1](request)

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def go() -> tuple[object, HttpFetcher]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            fetcher = HttpFetcher(
                client,
                CONFIG,
                {"bybit": RateLimit(1000, 100, 10)},
                {"bybit": codes},
                key_env=key_env or {},
                rng=random.Random(1),
                sleep=fake_sleep,
            )
            try:
                return await fetcher.fetch(SPEC), fetcher
            except SourceError as exc:
                return exc, fetcher

    result, fetcher = asyncio.run(go())
    return result, sleeps, calls, fetcher


def ok(_: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=b'{"retCode":0}')


def status(code: int, headers: dict[str, str] | None = None) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _: httpx.Response(code, content=b"{}", headers=headers or {})


def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("slow", request=request)


def test_retries_5xx_then_succeeds_and_records_every_attempt() -> None:
    raw, sleeps, calls, fetcher = run([status(502), status(503), ok])
    assert calls == 3
    assert raw.status == 200
    assert raw.attempt == 3
    assert raw.body == b'{"retCode":0}'
    assert [r.status for r in fetcher.responses] == [502, 503, 200]
    assert raw.params == {"symbol": "BTCUSDT"}
    assert raw.ts_sent <= raw.ts_received
    # jittered exponential backoff: attempt 0 in [0.25, 0.5], attempt 1 in [0.5, 1.0]
    assert 0.25 <= sleeps[0] <= 0.5
    assert 0.5 <= sleeps[1] <= 1.0


def test_retry_after_is_honoured_and_capped() -> None:
    _, sleeps, calls, _ = run([status(429, {"Retry-After": "2"}), status(429, {"Retry-After": "120"}), ok])
    assert calls == 3
    assert sleeps == [2.0, 3.0]  # second wait capped by retry_after_cap_s


def test_gives_up_after_max_retries_as_retryable() -> None:
    err, sleeps, calls, _ = run([timeout])
    assert isinstance(err, RetryableSourceError)
    assert calls == 3
    assert len(sleeps) == 2
    assert "timeout" in err.message
    assert "3 attempt" in err.message


@pytest.mark.parametrize("code", [451, 403])
def test_blocked_is_not_retried(code: int) -> None:
    err, sleeps, calls, _ = run([status(code), ok])
    assert isinstance(err, BlockedSourceError)
    assert err.kind == "blocked"
    assert calls == 1
    assert sleeps == []


def test_other_4xx_fails_without_retry() -> None:
    err, _, calls, _ = run([status(404), ok])
    assert type(err) is SourceError
    assert calls == 1
    assert "HTTP 404" in err.message


def test_rate_limit_marker_in_200_body_is_retried() -> None:
    limited = lambda _: httpx.Response(200, content=b'{"retCode": 10006, "retMsg": "Too many visits!"}')  # noqa: E731
    raw, _, calls, _ = run([limited, ok], codes=bybit_ep.PROVIDER.error_codes)
    assert calls == 2
    assert raw.body == b'{"retCode":0}'


def test_errors_carry_their_fields() -> None:
    err, _, _, _ = run([status(429, {"Retry-After": "2"})])
    assert isinstance(err, RetryableSourceError)
    assert (err.provider, err.dataset, err.status, err.retry_after_s) == ("bybit", "tickers", 429, 2.0)
    err, _, _, _ = run([status(404)])
    assert (err.provider, err.dataset, err.status, err.retry_after_s) == ("bybit", "tickers", 404, None)
    err, _, _, _ = run([timeout])
    assert err.status is None


@pytest.mark.parametrize("code", [401, 403])
def test_keyed_provider_rejected_key_is_raised_where_it_happens(code: int) -> None:
    err, sleeps, calls, _ = run([status(code), ok], key_env={"bybit": "BYBIT_KEY"})
    assert type(err) is RejectedKeyError
    assert (calls, sleeps, err.status) == (1, [], code)
    assert err.message == (
        f"rejected key (HTTP {code}: invalid key or endpoint not in the plan; not retried); check BYBIT_KEY"
    )
    assert gap_kind(err) is GapKind.NOT_CONFIGURED


def test_venue_code_mapped_to_a_non_retryable_class_raises_it_at_once() -> None:
    codes = ErrorCodes("retCode", {"10006": RetryableSourceError, "10001": BadPayloadError})
    answer = lambda _: httpx.Response(200, content=b'{"retCode":10001,"retMsg":"params error"}')  # noqa: E731
    err, sleeps, calls, _ = run([answer, ok], codes=codes)
    assert type(err) is BadPayloadError
    assert (calls, sleeps) == (1, [])
    assert "venue error code 10001" in err.message
    unknown = lambda _: httpx.Response(200, content=b'{"retCode":12345}')  # noqa: E731
    raw, _, calls, _ = run([unknown], codes=codes)  # a code outside the table is left to the parser
    assert calls == 1
    assert raw.status == 200


def test_one_gap_kind_per_error_class() -> None:
    kinds = {
        cls: gap_kind(cls("p/d", "m"))
        for cls in (SourceError, RetryableSourceError, BlockedSourceError, RejectedKeyError, BadPayloadError)
    }
    assert kinds == {
        SourceError: GapKind.UNAVAILABLE,
        RetryableSourceError: GapKind.UNAVAILABLE,
        BlockedSourceError: GapKind.BLOCKED,
        RejectedKeyError: GapKind.NOT_CONFIGURED,
        BadPayloadError: GapKind.BAD_PAYLOAD,
    }


@given(attempt=st.integers(0, 12), base=st.floats(0.0, 5.0), cap=st.floats(0.0, 60.0), seed=st.integers(0, 10**6))
def test_backoff_bounds(attempt: int, base: float, cap: float, seed: int) -> None:
    cfg = SourceConfig(backoff_base_s=base, backoff_max_s=cap)
    ceiling = min(cap, base * 2.0**attempt)
    d = backoff_delay(attempt, cfg, random.Random(seed))
    assert 0.5 * ceiling - 1e-12 <= d <= ceiling + 1e-12


def test_retry_after_parsing() -> None:
    assert retry_after_seconds({"retry-after": "1.5"}) == 1.5
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None
    assert retry_after_seconds({}) is None


@given(rate=st.floats(0.5, 50.0), capacity=st.integers(1, 8), n=st.integers(1, 30))
def test_token_bucket_never_exceeds_rate(rate: float, capacity: int, n: int) -> None:
    """With a virtual clock that advances only while waiting, n acquisitions take ≥ (n − capacity) / rate."""
    now = [0.0]
    bucket = TokenBucket(rate, capacity, clock=lambda: now[0])

    async def fake_sleep(seconds: float) -> None:
        now[0] += seconds

    async def go() -> None:
        import derivintel.sources.http as http_mod

        original = http_mod.asyncio.sleep
        http_mod.asyncio.sleep = fake_sleep  # type: ignore[assignment]
        try:
            for _ in range(n):
                await bucket.acquire()
        finally:
            http_mod.asyncio.sleep = original  # type: ignore[assignment]

    asyncio.run(go())
    assert now[0] >= max(0, n - capacity) / rate - 1e-9
    assert now[0] <= max(0, n - capacity) / rate + 1e-6


def test_config_from_toml_and_env(tmp_path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text('[sources]\ntimeout_s = 4.5\ndisabled = ["coingecko"]\n[sources.base_urls]\nokx = "http://a/"\n')
    cfg = SourceConfig.load(path, env={env_key("binance-usdm"): "http://b", "UNRELATED": "x"})
    assert env_key("binance-usdm") == "DERIVINTEL_BINANCE_USDM_URL"
    assert cfg.timeout_s == 4.5
    assert cfg.disabled == frozenset({"coingecko"})
    assert cfg.base_url("okx", "https://www.okx.com") == "http://a"
    assert cfg.base_url("binance-usdm", "x") == "http://b"
    assert cfg.base_url("bybit", "https://api.bybit.com") == "https://api.bybit.com"
    bad = tmp_path / "bad.toml"
    bad.write_text("timeout = 3\n")
    with pytest.raises(UserInputError, match="unknown keys"):
        SourceConfig.load(bad, env={})
