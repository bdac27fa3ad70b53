"""The combined book on real Deribit chains: one venue alone reproduces ``analyze_chain``, and any split of a real
chain into venues pools back to the same book (OI by strike and expiry, put/call, max pain, GEX)."""

from __future__ import annotations

import numpy as np
import pytest

from derivintel.analytics.options.chain_analysis import analyze_chain
from derivintel.analytics.options.venues import combined_book
from derivintel.sources.deribit.chain_file import read_chain_file
from tests.realdata import real_path

SNAPS = ("deribit_options_snapshot_20260327T045944Z.csv", "deribit_options_snapshot_20260327T213414Z.csv")


def _chain(name: str):
    path = real_path("deribit_options", "svcj_snapshots", name)
    return read_chain_file(path, currency="BTC")


@pytest.mark.parametrize("name", SNAPS)
def test_deribit_alone_reproduces_analyze_chain(name: str) -> None:
    chain = _chain(name)
    as_of = chain.source.as_of
    a = analyze_chain(chain, as_of=as_of)
    s = a.value.all_expiries
    book = combined_book({"deribit": chain}, {"deribit": a}, as_of=as_of, spot_usd=a.value.spot_usd).value
    assert book.total_oi_base == pytest.approx(s.total_oi_base, rel=1e-12)
    assert book.total_oi_usd == pytest.approx(s.total_oi_usd, rel=1e-12)
    assert book.put_call_oi_ratio == pytest.approx(s.put_call_oi_ratio, rel=1e-12)
    assert book.net_gex_usd_per_1pct == pytest.approx(s.net_gex_usd_per_1pct, rel=1e-9)
    assert book.headline_expiry == a.value.headline_expiry
    assert book.max_pain_usd == a.value.expiry(a.value.headline_expiry).max_pain_usd
    assert book.venues[0].atm_iv == s.atm_iv_30d


@pytest.mark.parametrize("name", SNAPS)
def test_a_real_chain_split_into_venues_pools_back_to_the_same_book(name: str) -> None:
    chain = _chain(name)
    as_of = chain.source.as_of
    whole = analyze_chain(chain, as_of=as_of)
    spot = whole.value.spot_usd
    rng = np.random.default_rng(17)  # a fixed partition: the test does not depend on luck
    part = rng.integers(0, 3, len(chain))
    venues = {f"v{i}": chain.select(part == i) for i in range(3)}
    analyses = {v: analyze_chain(c, as_of=as_of, spot_usd=spot) for v, c in venues.items()}
    split = combined_book(venues, analyses, as_of=as_of, spot_usd=spot).value
    one = combined_book({"all": chain}, {"all": whole}, as_of=as_of, spot_usd=spot).value
    assert split.venues_with_oi == ("v0", "v1", "v2")
    assert sum(v.oi_share for v in split.venues) == pytest.approx(1.0)
    np.testing.assert_array_equal(split.strikes_usd, one.strikes_usd)
    np.testing.assert_allclose(split.call_oi_by_strike_base, one.call_oi_by_strike_base, rtol=1e-12)
    np.testing.assert_allclose(split.put_oi_by_expiry_base, one.put_oi_by_expiry_base, rtol=1e-12)
    assert split.put_call_oi_ratio == pytest.approx(one.put_call_oi_ratio, rel=1e-12)
    assert split.max_pain_usd == one.max_pain_usd
    assert split.net_gex_usd_per_1pct == pytest.approx(one.net_gex_usd_per_1pct, rel=1e-9)
    assert sum(split.gex_by_venue_usd_per_1pct.values()) == pytest.approx(split.net_gex_usd_per_1pct, rel=1e-9)
