"""analyze_chain end to end on real chains; headline rule; scenario; spot fallback; the CLI command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from derivintel.analytics.options.chain_analysis import analyze_chain, choose_headline
from derivintel.analytics.options.gex import DealerScenario
from derivintel.app.options_cmd import options
from derivintel.core.errors import UserInputError
from derivintel.sources.deribit.chain_file import read_chain_file
from tests.realdata import real_path

SNAP = "deribit_options_snapshot_20260325T094504Z.csv"


def test_choose_headline_rule_by_hand() -> None:
    e = [datetime(2026, 1, d, 8, tzinfo=UTC) for d in (2, 9, 30)]
    # 0.5 d (too near), 7 d and 28 d in window: the 28 d one has more OI → chosen
    assert choose_headline(e, [0.5, 7.0, 28.0], [900.0, 100.0, 200.0])[0] == 2
    # equal OI → the nearer
    assert choose_headline(e, [0.5, 7.0, 28.0], [900.0, 200.0, 200.0])[0] == 1
    # nothing within 1-35 d → nearest beyond 24 h; all within 24 h → nearest
    assert choose_headline(e, [0.5, 40.0, 90.0], [9.0, 1.0, 5.0]) == (
        1,
        choose_headline(e, [0.5, 40, 90], [0, 0, 0])[1],
    )
    assert choose_headline(e, [0.2, 0.5, 0.9], [1.0, 5.0, 9.0])[0] == 0


@pytest.fixture(scope="module")
def chain():
    return read_chain_file(real_path("deribit_options", "svcj_snapshots", SNAP))


@pytest.mark.real_data
def test_real_chain_summary_invariants(chain) -> None:
    r = analyze_chain(chain, as_of=chain.source.as_of)
    assert r.status.value == "ok"
    a = r.value
    assert a.spot_basis == "chain index price"
    assert a.spot_usd == chain.index_price_usd
    assert r.params["scenario"] == "dealers_long_calls_short_puts"
    assert r.sources == (chain.source,)
    s = a.all_expiries
    # per-expiry figures add up to the overall ones: the regime over expiries beyond 24 h, the rest expiring gamma
    regime = [e for e in a.expiries if e.days_to_expiry > 1]
    expiring = [e for e in a.expiries if e.days_to_expiry <= 1]
    assert sum(e.net_gex_usd_per_1pct for e in regime) == pytest.approx(s.net_gex_usd_per_1pct, rel=1e-9)
    assert sum(e.net_gex_usd_per_1pct for e in expiring) == pytest.approx(s.expiring_gex_usd_per_1pct, abs=1e-6)
    assert s.expiring_expiries == len(expiring)
    assert sum(e.call_oi_base for e in a.expiries) == pytest.approx(s.call_oi_base, rel=1e-12)
    assert s.gex_by_strike_usd_per_1pct.sum() == pytest.approx(s.net_gex_usd_per_1pct, rel=1e-9)
    assert s.total_oi_usd == pytest.approx(chain.oi_base.sum() * a.spot_usd)
    assert 0 < s.next_expiry_gamma_share <= 1
    assert s.flip_sweep_spots_usd.size == 60
    # headline: by the documented rule
    window = [e for e in a.expiries if 1 < e.days_to_expiry <= 35]
    assert a.headline_expiry == max(window, key=lambda e: (e.total_oi_base, -e.days_to_expiry)).expiry
    # walls on the right side of spot; skew figures are fractions
    assert s.call_wall_usd > a.spot_usd > s.put_wall_usd
    for e in a.expiries:
        assert e.max_pain_usd in set(e.pain_strikes_usd.tolist())
        if e.atm_iv is not None:
            assert 0.05 < e.atm_iv < 3.0
    assert s.atm_iv_7d is not None
    assert s.atm_iv_30d is not None
    assert s.rr25_30d is not None
    assert s.rr25_30d < 0  # March 2026: puts richer across the curve
    assert len(s.atm_term_days) == len(s.atm_term_iv)


@pytest.mark.real_data
def test_expiring_gamma_is_shown_apart_from_the_regime() -> None:
    # Three hours before the 27MAR26 08:00 quarterly: its gamma dominates and is about to vanish.
    c = read_chain_file(real_path("deribit_options", "svcj_snapshots", "deribit_options_snapshot_20260327T045944Z.csv"))
    r = analyze_chain(c, as_of=c.source.as_of)
    s = r.value.all_expiries
    assert s.regime_excludes_expiring
    assert s.expiring_expiries == 1
    # without the expiring quarterly the dealers are long gamma; with it they were short (−$37.5M per 1%)
    assert s.net_gex_usd_per_1pct == pytest.approx(15.28e6, rel=1e-3)
    assert s.net_gex_usd_per_1pct + s.expiring_gex_usd_per_1pct == pytest.approx(-37.55e6, rel=1e-3)
    assert s.put_wall_usd == 60_000.0  # 68,000 with the expiring quarterly counted
    assert any("expiring gamma" in x for x in r.reasons)
    # the sub-day expiry's 25-delta points sit in the ATM gap: no RR25/BF25, with the reason
    first = r.value.expiries[0]
    assert first.days_to_expiry < 1
    assert first.rr25 is None
    assert first.bf25 is None
    assert any("ATM gap" in n for n in first.notes)
    assert all(e.rr25 is not None for e in r.value.expiries[1:12])


@pytest.mark.real_data
def test_scenario_swap_negates_gex_and_keeps_flip(chain) -> None:
    a = analyze_chain(chain, as_of=chain.source.as_of).value
    b = analyze_chain(chain, as_of=chain.source.as_of, scenario=DealerScenario.DEALERS_SHORT_CALLS_LONG_PUTS).value
    assert b.scenario is DealerScenario.DEALERS_SHORT_CALLS_LONG_PUTS
    assert b.all_expiries.net_gex_usd_per_1pct == pytest.approx(-a.all_expiries.net_gex_usd_per_1pct)
    np.testing.assert_allclose(b.all_expiries.flip_sweep_gex, -a.all_expiries.flip_sweep_gex)
    assert b.all_expiries.gamma_flip_usd == pytest.approx(a.all_expiries.gamma_flip_usd)
    assert (b.all_expiries.call_wall_usd, b.all_expiries.put_wall_usd) == (
        a.all_expiries.call_wall_usd,
        a.all_expiries.put_wall_usd,
    )


@pytest.mark.real_data
def test_expired_rows_dropped_and_missing_when_all_expired(chain) -> None:
    later = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # after the 26MAR and 27MAR 08:00 expiries
    r = analyze_chain(chain, as_of=later)
    assert all(e.expiry > later for e in r.value.expiries)
    assert any("expired" in x for x in r.reasons)
    gone = analyze_chain(chain, as_of=datetime(2027, 1, 1, tzinfo=UTC))
    assert not gone.ok
    assert "expired" in gone.reasons[0]


@pytest.mark.real_data
def test_spot_falls_back_to_forward_on_ui_export() -> None:
    c = read_chain_file(real_path("deribit_options", "leonegocios_BTC-8MAY26-export.csv"))
    assert c.index_price_usd is None
    r = analyze_chain(c, as_of=c.source.as_of)
    fwd = c.underlying_price_usd[0]
    assert r.value.spot_usd == pytest.approx(fwd)
    assert any("OI-weighted forward" in x for x in r.reasons)
    given = analyze_chain(c, as_of=c.source.as_of, spot_usd=75_000.0)
    assert given.value.spot_usd == 75_000.0
    assert given.value.spot_basis == "given"


@pytest.mark.real_data
def test_cli_json_on_ui_exports(capsys) -> None:
    files = [real_path("deribit_options", f"leonegocios_BTC-{x}-export.csv") for x in ("30APR26", "1MAY26", "8MAY26")]
    options(files, spot=None, fmt="json")
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"expiries", "all_expiries", "scenario"}
    assert out["scenario"] == "dealers_long_calls_short_puts"
    assert [e["expiry"][:10] for e in out["expiries"]] == ["2026-04-30", "2026-05-01", "2026-05-08"]
    keys = {"expiry", "max_pain", "put_call_oi_ratio", "call_oi", "put_oi", "net_gex_usd_per_1pct", "gamma_flip",
            "call_wall", "put_wall", "rr25"}  # fmt: skip
    assert all(keys <= set(e) for e in out["expiries"])
    # as_of comes from the files (inferred from published vega), never from the clock
    as_of = datetime.fromisoformat(out["as_of"].replace("Z", "+00:00"))
    assert abs(as_of - datetime(2026, 4, 30, 5, 12, tzinfo=UTC)) < timedelta(minutes=10)
    options(files, spot=None, fmt="table")
    table = capsys.readouterr().out
    assert "BTC options as of 2026-04-30" in table
    assert "headline" in table


def test_cli_bad_input(tmp_path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(UserInputError, match="unrecognised chain format"):
        options([bad], spot=None, fmt="json")
    with pytest.raises(UserInputError, match="--format"):
        options([bad], spot=None, fmt="xml")
    with pytest.raises(UserInputError, match="cannot read"):
        options([tmp_path / "missing.json"], spot=None, fmt="json")


@pytest.mark.real_data
def test_dealer_gamma_equals_the_full_analysis() -> None:
    from derivintel.analytics.options.chain_analysis import dealer_gamma

    for name in (SNAP, "deribit_options_snapshot_20260327T045944Z.csv"):  # the second has an expiring quarterly
        c = read_chain_file(real_path("deribit_options", "svcj_snapshots", name))
        full = analyze_chain(c, as_of=c.source.as_of).value.all_expiries
        lean = dealer_gamma(c, as_of=c.source.as_of).value
        assert lean.net_gex_usd_per_1pct == full.net_gex_usd_per_1pct
        assert lean.gamma_flip_usd == full.gamma_flip_usd
