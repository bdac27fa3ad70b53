"""Deribit chain file readers: instrument names, book-summary JSON, web-UI export, svcj snapshot CSV."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from derivintel.core.black76 import black76_greeks, black76_price, years_to_expiry
from derivintel.core.errors import UserInputError
from derivintel.sources.deribit.chain_file import (
    OptionName,
    merge_chains,
    parse_book_summary,
    parse_instrument_name,
    parse_svcj_snapshot,
    parse_ui_export,
    read_chain_file,
)
from tests.realdata import real_path


def test_instrument_names() -> None:
    btc = OptionName("BTC", datetime(2026, 4, 30, 8, tzinfo=UTC), 80000.0, True)
    assert parse_instrument_name("BTC-30APR26-80000-C") == btc
    assert parse_instrument_name("ETH-5JUN20-250-P") == OptionName(
        "ETH", datetime(2020, 6, 5, 8, tzinfo=UTC), 250.0, False
    )
    xrp = parse_instrument_name("XRP_USDC-30APR26-2d2-C")
    assert (xrp.currency, xrp.strike) == ("XRP_USDC", pytest.approx(2.2))
    for bad in ("BTC-PERPETUAL", "BTC-30XYZ26-1-C", "BTC-30APR26-80000-X"):
        with pytest.raises(ValueError, match="not a Deribit option"):
            parse_instrument_name(bad)


def _row(name: str, iv_pct: float, oi: float, ts_ms: int) -> dict:
    # field names and units as in Deribit's get_book_summary_by_currency documentation
    return {
        "instrument_name": name, "mark_iv": iv_pct, "open_interest": oi, "volume": 2.5, "underlying_price": 75_600.0,
        "underlying_index": "BTC-1MAY26", "mark_price": 0.0123, "estimated_delivery_price": 75_500.0,
        "creation_timestamp": ts_ms, "volume_usd": 1.0, "interest_rate": 0.0, "base_currency": "BTC",
    }  # fmt: skip


def test_book_summary_envelope() -> None:
    t0 = 1_777_525_200_000  # 2026-04-30T05:00:00Z
    payload = {
        "jsonrpc": "2.0",
        "result": [_row("BTC-1MAY26-76000-C", 42.5, 10.0, t0), _row("BTC-1MAY26-74000-P", 55.0, 3.0, t0 + 500)],
        "usIn": (t0 + 900) * 1000,
        "usOut": (t0 + 1000) * 1000,
        "usDiff": 100,
        "testnet": False,
    }
    c = parse_book_summary(json.dumps(payload).encode(), file="x.json")
    assert c.currency == "BTC"
    np.testing.assert_allclose(c.mark_iv, [0.425, 0.55])  # percent → fraction
    assert list(c.is_call) == [True, False]
    assert list(c.oi_base) == [10.0, 3.0]
    assert c.index_price_usd == 75_500.0
    assert c.source.as_of == datetime(2026, 4, 30, 5, 0, 0, 500_000, tzinfo=UTC)
    assert c.source.fetched_at == datetime(2026, 4, 30, 5, 0, 1, tzinfo=UTC)
    assert c.expiry[0] == np.datetime64("2026-05-01T08:00", "ms")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{not json", "x.json: not valid JSON"),
        ('{"jsonrpc": "2.0", "error": {"code": 10028, "message": "too_many_requests"}}', "Deribit error"),
        ('{"jsonrpc": "2.0", "result": {}}', "no 'result' list"),
        ('{"result": [{"instrument_name": "BTC-1MAY26-76000-C"}]}', "lack field"),
        ('{"result": []}', "no option rows"),
    ],
)
def test_book_summary_errors(text: str, match: str) -> None:
    with pytest.raises(UserInputError, match=match):
        parse_book_summary(text, file="x.json")


@pytest.mark.real_data
def test_ui_export_forward_time_and_iv() -> None:
    path = real_path("deribit_options", "leonegocios_BTC-30APR26-export.csv")
    c = read_chain_file(path)
    assert len(c) == 56
    # parity on the three pairs nearest the money; e.g. 75500: C 0.0029, P 0.0018 → F = 75500/(1 − 0.0011) = 75583.14
    assert c.underlying_price_usd[0] == pytest.approx(75_500 / (1 - 0.0011), abs=1.0)
    assert "put-call parity" in c.source.dataset
    # capture time from vega: the file was committed 2026-04-30 05:16 UTC; the capture must be shortly before
    assert datetime(2026, 4, 30, 5, 0, tzinfo=UTC) < c.source.as_of < datetime(2026, 4, 30, 5, 17, tzinfo=UTC)
    assert c.index_price_usd is None
    assert list(c.oi_base[:2]) == [0.0, 113.2]  # "-" = no open interest
    # inverted IV reprices the Mark (in coin) where it exists (to 1e-6 coin: as_of is kept to the whole second)
    t = years_to_expiry(c.expiry, c.source.as_of)
    ok = np.isfinite(c.mark_iv)
    assert ok.sum() > 10
    repriced = black76_price(c.underlying_price_usd, c.strike, t, c.mark_iv, c.is_call) / c.underlying_price_usd
    np.testing.assert_allclose(repriced[ok], c.mark_price_coin[ok], rtol=0, atol=1e-6)
    # and our delta at that IV is close to the published delta near the money (rounded marks → 0.02)
    g = black76_greeks(c.underlying_price_usd, c.strike, t, c.mark_iv, c.is_call)
    near = ok & np.isfinite(c.delta_published) & (np.abs(c.delta_published) > 0.1) & (np.abs(c.delta_published) < 0.9)
    assert near.sum() >= 2
    assert np.max(np.abs(g.delta[near] - c.delta_published[near])) < 0.02


@pytest.mark.real_data
def test_ui_exports_agree_on_capture_time_and_merge() -> None:
    chains = [
        read_chain_file(real_path("deribit_options", f"leonegocios_BTC-{x}-export.csv"))
        for x in ("30APR26", "1MAY26", "2MAY26", "3MAY26", "8MAY26")
    ]
    times = [c.source.as_of for c in chains]
    assert max(times) - min(times) < timedelta(minutes=10)  # one capture session, inferred independently
    forwards = [c.underlying_price_usd[0] for c in chains]
    assert max(forwards) - min(forwards) < 100  # one underlying, ~75.6k
    merged = merge_chains(chains)
    assert len(merged) == sum(len(c) for c in chains)
    assert merged.source.as_of == max(times)
    assert len(merged.expiries) == 5


@pytest.mark.real_data
def test_ui_export_fallbacks() -> None:
    text = real_path("deribit_options", "leonegocios_BTC-8MAY26-export.csv").read_text()
    lines = text.splitlines()
    header = lines[0].split(",")
    mark = header.index("Mark")
    no_marks = [lines[0]] + [",".join(v if i != mark else "-" for i, v in enumerate(x.split(","))) for x in lines[1:]]
    c = parse_ui_export("\n".join(no_marks), file="nomarks.csv")
    assert "|delta| nearest 0.5" in c.source.dataset
    assert np.isnan(c.mark_iv).all()  # no Mark → no IV (missing, not zero)
    when = datetime(2026, 4, 30, 5, 0, tzinfo=UTC)
    given = parse_ui_export(text, file="x.csv", spot_usd=75_000.0, as_of=when)
    assert given.source.as_of == when
    assert given.index_price_usd == 75_000.0
    assert "as_of given" in given.source.dataset


@pytest.mark.real_data
def test_svcj_snapshot_currency_filter() -> None:
    path = real_path("deribit_options", "svcj_snapshots", "deribit_options_snapshot_20260325T094504Z.csv")
    btc = parse_svcj_snapshot(path.read_bytes(), currency="BTC", file=str(path))
    eth = read_chain_file(path, currency="ETH")
    assert (len(btc), len(eth)) == (906, 794)
    assert btc.currency == "BTC"
    assert eth.currency == "ETH"
    assert 0.1 < np.median(btc.mark_iv) < 2.0  # fractions
    assert btc.source.as_of == datetime(2026, 3, 25, 9, 45, 4, 90068, tzinfo=UTC)
    assert btc.index_price_usd == pytest.approx(71_205.57)  # median of the per-row index prices
    with pytest.raises(UserInputError, match="no SOL rows"):
        parse_svcj_snapshot(path.read_bytes(), currency="SOL", file="x.csv")


def test_bad_files(tmp_path) -> None:
    p = tmp_path / "chain.csv"
    p.write_text("instrument_name,implied_volatility\nBTC-1MAY26-1-C,0.5\n")
    with pytest.raises(UserInputError, match=r"chain.csv: missing columns"):
        read_chain_file(p)
    p.write_text("Instrument,Volume,Open,Vega,Gamma,Δ|Delta,Mark\nNOT-AN-OPTION,1,1,1,1,1,1\n")
    with pytest.raises(UserInputError, match="not a Deribit option instrument"):
        read_chain_file(p)
    p.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(UserInputError, match="not UTF-8"):
        read_chain_file(p)
    with pytest.raises(UserInputError, match="no option chain files"):
        merge_chains([])
