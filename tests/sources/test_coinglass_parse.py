"""Coinglass v4 parsers, and the keyed-source wiring against the fake server: the key goes in the auth header
only, a rejected key is one not-retried request and a NOT_CONFIGURED gap, and no key reaches an archive, a gap
reason, a progress message or a repr."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from derivintel.core.errors import BadPayloadError
from derivintel.core.provenance import GapKind
from derivintel.sources import registry
from derivintel.sources.archive import save_raw
from derivintel.sources.coinglass import parse as cg
from derivintel.sources.config import Secret, SourceConfig
from derivintel.sources.live import build_snapshot_from_raw, fetch_snapshot
from tests.sources.fakeserver import FIXTURES, FakeVenues

RECV = datetime(2024, 6, 1, 12, 0, 1, tzinfo=UTC)
CG_KEY = "cg-TEST-KEY-7f3a9b"
CQ_KEY = "cq-TEST-TOKEN-55e1"


def fx(name: str) -> bytes:
    return (FIXTURES / "coinglass" / name).read_bytes()


# --- parsers -------------------------------------------------------------------------------------------------------
def test_oi_aggregated_usd_and_coin_from_closes() -> None:
    s = cg.parse_oi_aggregated(fx("oi-aggregated-usd.json"), fx("oi-aggregated-coin.json"), asset="BTC",
                               interval_s=14_400, ts_recv=RECV)  # fmt: skip
    assert s.venue == "coinglass-aggregate"
    assert s.interval_s == 14_400
    np.testing.assert_allclose(s.oi_usd, [30.1e9, 30.4e9, 30.8e9])  # bar closes, USD
    np.testing.assert_allclose(s.oi_base, [463_000, 467_000, 470_000])  # bar closes, coins
    assert s.source.as_of == datetime(2024, 6, 1, 8, tzinfo=UTC)  # newest bar time


def test_oi_coin_rows_matched_by_time_nan_when_absent() -> None:
    coin = json.loads(fx("oi-aggregated-coin.json"))
    coin["data"] = coin["data"][1:]  # first bar's coin value missing
    s = cg.parse_oi_aggregated(fx("oi-aggregated-usd.json"), json.dumps(coin).encode(), asset="BTC",
                               interval_s=14_400, ts_recv=RECV)  # fmt: skip
    assert np.isnan(s.oi_base[0])
    np.testing.assert_allclose(s.oi_base[1:], [467_000, 470_000])
    no_coin = cg.parse_oi_aggregated(fx("oi-aggregated-usd.json"), None, asset="BTC", interval_s=14_400, ts_recv=RECV)
    assert np.isnan(no_coin.oi_base).all()  # missing, never zero


def test_funding_percent_to_fraction() -> None:
    f = cg.parse_funding_oi_weighted(fx("funding-oi-weighted.json"), asset="BTC", ts_recv=RECV)
    # closes 0.0110 %, 0.0080 %, −0.0020 % per 8h → 1.1e-4, 8e-5, −2e-5 per 8h → ÷ 8 per hour
    np.testing.assert_allclose(f.rate_interval, [1.1e-4, 8e-5, -2e-5])
    np.testing.assert_allclose(f.rate_1h, [1.375e-5, 1e-5, -2.5e-6])


def test_liquidations_long_short_usd() -> None:
    liq = cg.parse_liquidation_aggregated(fx("liquidation-aggregated.json"), asset="BTC", interval_s=14_400,
                                          exchanges=("Binance", "OKX"), ts_recv=RECV)  # fmt: skip
    np.testing.assert_allclose(liq.long_usd, [5_000_000.5, 0.0])
    np.testing.assert_allclose(liq.short_usd, [1_250_000.25, 3_000_000.0])
    assert len(liq) == 2
    assert liq.exchanges == ("Binance", "OKX")


@pytest.mark.parametrize(
    "body",
    [
        b'{"code":"30001","msg":"API key missing","data":null}',
        b'{"code":"0","msg":"success","data":[]}',
        b'{"code":"0","msg":"success","data":[{"time":1717200000000,"open":"1","high":"1","low":"1","close":null}]}',
        b'{"code":"0","msg":"success","data":[{"time":1717200000000,"close":"-5"}]}',
        b'{"code":"0","msg":"success","data":[{"t":1717200000000,"close":"5"}]}',
    ],
)
def test_bad_payloads_raise(body: bytes) -> None:
    with pytest.raises(BadPayloadError):
        cg.parse_oi_aggregated(body, None, asset="BTC", interval_s=14_400, ts_recv=RECV)


# --- keys: config, repr, env ----------------------------------------------------------------------------------------
def test_secret_and_config_never_show_the_key(tmp_path: Path) -> None:
    cfg_file = tmp_path / "s.toml"
    cfg_file.write_text(f'[sources]\ntimeout_s = 5\n[sources.api_keys]\ncoinglass = "{CG_KEY}"\n')
    cfg = SourceConfig.load(cfg_file, env={"DERIVINTEL_CRYPTOQUANT_KEY": CQ_KEY})
    assert cfg.api_keys["coinglass"].reveal() == CG_KEY
    assert cfg.api_keys["cryptoquant"].reveal() == CQ_KEY
    for text in (repr(cfg), str(cfg), repr(cfg.api_keys), str(Secret(CG_KEY)), f"{Secret(CG_KEY)}"):
        assert CG_KEY not in text
        assert CQ_KEY not in text
    # the environment wins over the file; COINGLASS_API_KEY is also read
    assert SourceConfig.load(cfg_file, env={"COINGLASS_API_KEY": "other"}).api_keys["coinglass"].reveal() == "other"
    assert SourceConfig.load(None, env={}).api_keys == {}


# --- live wiring against the fake server ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def venues() -> Iterator[FakeVenues]:
    with FakeVenues() as fake:
        fake.required_keys["coinglass"] = ("CG-API-KEY", CG_KEY)
        fake.required_keys["cryptoquant"] = ("Authorization", f"Bearer {CQ_KEY}")
        yield fake


def _fetch(venues: FakeVenues, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch, **cfg):
    for names in registry.KEY_ENV.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)
    keep = {"hyperliquid", "coinglass", "cryptoquant"}  # one price venue keeps the run small
    off = frozenset(registry.PROVIDERS) - keep
    seen: list[str] = []
    snap, raws = asyncio.run(
        fetch_snapshot("BTC", config=venues.config(api_keys=keys, disabled=off, **cfg),
                       progress=lambda label, state: seen.append(f"{label} {state}"))
    )  # fmt: skip
    return snap, raws, seen


def test_with_valid_keys_data_arrives_and_key_only_in_header(venues, monkeypatch, tmp_path) -> None:
    venues.requests.clear()
    venues.seen_headers.clear()
    snap, raws, _ = _fetch(venues, {"coinglass": CG_KEY, "cryptoquant": CQ_KEY}, monkeypatch)
    assert not [g for g in snap.gaps if g.source in ("coinglass", "cryptoquant")]
    np.testing.assert_allclose(snap.macro["exchange_netflow_btc"].values, [-100.25, 750.0, -1500.0])
    assert snap.macro["stablecoin_exchange_netflow_usd"].unit == "usd"
    asked = {(p, d) for p, d, _ in venues.requests if p in ("coinglass", "cryptoquant")}
    assert asked == {(e.provider, e.dataset) for e in registry.KEYED_ENDPOINTS}
    # each keyed request carried its own header, and no other venue received a key
    for (provider, _, args), headers in zip(venues.requests, venues.seen_headers, strict=True):
        assert CG_KEY not in json.dumps(args)
        assert CQ_KEY not in json.dumps(args)
        if provider == "coinglass":
            assert headers["cg-api-key"] == CG_KEY
            assert "authorization" not in headers
        elif provider == "cryptoquant":
            assert headers["authorization"] == f"Bearer {CQ_KEY}"
            assert "cg-api-key" not in headers
        else:
            assert "cg-api-key" not in headers
            assert "authorization" not in headers
    # the aggregate is kept out of the per-venue series (it would double-count OI) and carried as a cross-check
    assert "coinglass-aggregate" not in {s.venue for s in snap.assets["BTC"].open_interest}
    assert snap.assets["BTC"].aggregate_open_interest.venue == "coinglass-aggregate"
    assert snap.assets["BTC"].aggregate_funding is not None
    manifest = save_raw(raws, tmp_path / "arch")
    replay = build_snapshot_from_raw(raws, "BTC", disabled=frozenset(registry.PROVIDERS) - {"hyperliquid"})
    assert "exchange_netflow_btc" in replay.macro
    _assert_no_key(manifest.parent, [])


def test_rejected_key_is_one_request_and_a_gap_without_the_key(venues, monkeypatch, tmp_path) -> None:
    venues.requests.clear()
    wrong_cg, wrong_cq = "cg-WRONG-abc123", "cq-WRONG-def456"
    snap, raws, progress = _fetch(venues, {"coinglass": wrong_cg, "cryptoquant": wrong_cq}, monkeypatch,
                                  max_retries=3)  # fmt: skip
    keyed = [g for g in snap.gaps if g.source in ("coinglass", "cryptoquant")]
    assert {(g.source, g.dataset) for g in keyed} == {(e.provider, e.dataset) for e in registry.KEYED_ENDPOINTS}
    assert {g.kind for g in keyed} == {GapKind.NOT_CONFIGURED}
    assert all("rejected key (HTTP 401" in g.reason for g in keyed)
    # 401 is not retried: exactly one request per keyed endpoint despite max_retries=3
    keyed_requests = [(p, d) for p, d, _ in venues.requests if p in ("coinglass", "cryptoquant")]
    assert len(keyed_requests) == len(registry.KEYED_ENDPOINTS)
    # the server echoed the wrong key in its body and a header: redacted before anything is kept
    assert any(b"<redacted>" in r.body for r in raws if r.provider == "coinglass")
    manifest = save_raw(raws, tmp_path / "arch")
    texts = [g.reason for g in snap.gaps] + progress
    _assert_no_key(manifest.parent, texts, secrets=(wrong_cg, wrong_cq))
    replay = build_snapshot_from_raw(raws, "BTC", disabled=frozenset(registry.PROVIDERS) - {"hyperliquid"})
    assert {g.kind for g in replay.gaps if g.source == "coinglass"} == {GapKind.NOT_CONFIGURED}


def test_without_key_no_keyed_request_and_not_configured(venues, monkeypatch) -> None:
    venues.requests.clear()
    snap, _, _ = _fetch(venues, {}, monkeypatch)
    assert not [p for p, _, _ in venues.requests if p in ("coinglass", "cryptoquant")]
    gaps = {g.source: g for g in snap.gaps if g.source in ("coinglass", "cryptoquant")}
    assert {g.kind for g in gaps.values()} == {GapKind.NOT_CONFIGURED}
    assert "COINGLASS_API_KEY" in gaps["coinglass"].reason


def _assert_no_key(archive: Path, texts: list[str], secrets: tuple[str, ...] = (CG_KEY, CQ_KEY)) -> None:
    for path in archive.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for s in secrets:
                assert s.encode() not in data, f"key leaked into {path.name}"
    for text in texts:
        for s in secrets:
            assert s not in text, f"key leaked into message: {text[:80]}"
