"""Phase 5 option venues: the per-venue table (``options.venues.*``), the combined book (``options.combined.*``), what
is combined and what is Deribit-only, on the synthetic demo and with venues missing."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from derivintel.assessment.analyze import AnalysisOptions, analyze_snapshot
from derivintel.report.builder import build_report
from derivintel.report.markdown import render_markdown
from tests.report.conftest import GENERATED_AT

VENUES = ("deribit", "okx", "bybit", "binance")


def _report(snapshot):
    return build_report(snapshot, analyze_snapshot(snapshot, AnalysisOptions()), generated_at=GENERATED_AT)


def test_demo_venue_table_cites_each_venues_chain(demo_report) -> None:
    assert demo_report.metric("options.venues").value == len(VENUES)
    for v in VENUES:
        iv = demo_report.metric(f"options.venues.{v}.atm_iv")
        assert 0.2 < iv.value < 1.5
        assert iv.source.startswith("demo/")  # synthetic, and says so
        assert (v == "deribit") == ("deribit" in iv.source)
        assert iv.as_of is not None
        assert iv.note
    binance = demo_report.metric("options.venues.binance.oi_usd")
    assert binance.value is None
    assert binance.status == "insufficient_data"
    assert "no open interest" in binance.note
    shares = [demo_report.metric(f"options.venues.{v}.oi_share").value for v in VENUES[:3]]
    assert sum(shares) == pytest.approx(1.0)
    total = sum(demo_report.metric(f"options.venues.{v}.oi_usd").value for v in VENUES[:3])
    assert demo_report.metric("options.combined.total_oi_usd").value == pytest.approx(total)
    # the combined book holds more OI than Deribit's chain alone
    assert demo_report.metric("options.combined.total_oi_usd").value > demo_report.metric("options.total_oi_usd").value


def test_phase5_says_which_figures_are_combined_and_which_deribit_only(demo_report) -> None:
    p5 = next(p for p in demo_report.phases if p.number == 5)
    assert "the other figures of this phase are Deribit's chain only" in p5.summary
    assert "Deribit's chain only" in p5.reasoning
    assert "options.combined" in p5.reasoning
    venue_table = next(t for t in p5.tables if t.columns[0] == "Venue")
    assert [r[0].text for r in venue_table.rows] == list(VENUES)
    assert venue_table.columns == ["Venue", "OI notional", "OI share", "Net GEX", "ATM IV", "ATM IV basis"]
    assert "| okx |" in render_markdown(demo_report)


def test_deribit_alone_is_a_one_row_table_equal_to_its_own_figures(demo_snapshot) -> None:
    btc = demo_snapshot.assets["BTC"]
    only = replace(demo_snapshot, assets={**demo_snapshot.assets, "BTC": replace(btc, venue_options={})})
    report = _report(only)
    assert report.metric("options.venues").value == 1
    assert report.metric("options.venues.deribit.oi_share").value == 1.0
    assert report.metric("options.combined.total_oi_usd").value == pytest.approx(
        report.metric("options.total_oi_usd").value
    )
    assert report.metric("options.combined.net_gex_usd_per_1pct").value == pytest.approx(
        report.metric("options.net_gex_usd_per_1pct").value
    )


def test_no_option_chain_anywhere_is_missing_not_zero(demo_snapshot) -> None:
    btc = demo_snapshot.assets["BTC"]
    none = replace(demo_snapshot, assets={**demo_snapshot.assets, "BTC": replace(btc, options=None, venue_options={})})
    report = _report(none)
    m = report.metric("options.venues")
    assert m.value is None
    assert m.status == "insufficient_data"
    assert "no option chain" in m.note
    assert report.metric("options.combined.total_oi_usd").value is None


def test_options_oi_chart_pools_the_venues_with_oi(demo_report, demo_snapshot) -> None:
    o = demo_report.charts.options_oi
    assert o is not None
    assert o.venues == ["deribit", "okx", "bybit"]
    assert sorted(o.strike_usd) == o.strike_usd
    assert len(o.expiry) >= 6
    by_strike = sum(o.call_oi_by_strike_base) + sum(o.put_oi_by_strike_base)
    by_expiry = sum(o.call_oi_by_expiry_base) + sum(o.put_oi_by_expiry_base)
    btc = demo_snapshot.assets["BTC"]
    now = np.datetime64(demo_snapshot.as_of.replace(tzinfo=None), "ms")
    chains = [btc.options, btc.venue_options["okx"], btc.venue_options["bybit"]]
    coins = sum(float(np.nansum(c.oi_base[c.expiry > now])) for c in chains)
    assert by_strike == pytest.approx(coins, rel=1e-3)  # the chart rounds to display precision only
    assert by_expiry == pytest.approx(coins, rel=1e-3)


def test_a_venue_left_out_of_the_combined_book_is_a_data_limitation(demo_report) -> None:
    items = [x for x in demo_report.data_limitations if x.startswith("BTC option venues")]
    assert items == ["BTC option venues (partial): binance: no open interest in this venue's chain; left out of the "
                     "combined book"]  # fmt: skip


def test_combined_figures_cite_only_the_venues_pooled(demo_report) -> None:
    source = demo_report.metric("options.combined.total_oi_usd").source
    assert "okx-options" in source
    assert "bybit-options" in source
    assert "binance-options" not in source  # no OI: not in the pooled book
    assert "binance-options" in demo_report.metric("options.venues").source


def test_per_venue_gex_adds_up_to_the_combined_gex(demo_report) -> None:
    parts = [demo_report.metric(f"options.venues.{v}.net_gex_usd_per_1pct").value for v in VENUES[:3]]
    combined = demo_report.metric("options.combined.net_gex_usd_per_1pct").value
    assert sum(parts) == pytest.approx(combined, rel=1e-12)
    assert demo_report.metric("options.venues.binance.net_gex_usd_per_1pct").value is None
    # Deribit's part is the fixed-scenario net GEX of its own chain (the phase's Deribit-only figure)
    assert parts[0] == pytest.approx(demo_report.metric("options.net_gex_usd_per_1pct").value, rel=1e-12)
