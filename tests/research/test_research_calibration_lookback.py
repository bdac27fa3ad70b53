"""Calibration reads a bounded window of the store: same answer as the whole-store computation restricted to the
lookback (the warm-up gives the first counted decision times their full feature history), and one read for both
sides."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

import pytest

from derivintel.research.calibration import (
    CALIBRATION_FEATURES,
    base_rate_from_frame,
    squeeze_base_rates,
    squeeze_calibration,
)
from derivintel.research.features import build_features
from derivintel.store import HistoryStore
from derivintel.store.importers import import_dumps, import_oi_csv
from tests.realdata import real_path

OI_FILE = "viraj_binance_btcusdt_perp_hourly_features_2023-12_2024-10.csv"
AS_OF = datetime(2024, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    files = [
        real_path("perp_history", "binance_btcusdt_um", f)
        for f in ("futures_BTCUSDT_4h.csv", "futures_BTCUSDT_funding.csv", "spot_BTCUSDT_4h.csv")
    ]
    with HistoryStore(tmp_path_factory.mktemp("lb") / "h.duckdb") as s:
        import_dumps("binance-vision", files, s)
        import_oi_csv(real_path("perp_history", OI_FILE), s, venue="binance-usdm", asset="BTC", interval_s=3600)
        yield s


def _same(a, b) -> None:
    assert (a.value is None) == (b.value is None)
    if a.value is None:
        assert a.reasons == b.reasons
    else:
        assert asdict(a.value) == asdict(b.value)


@pytest.mark.real_data
@pytest.mark.parametrize("lookback_days", [120.0, 200.0, 400.0])
@pytest.mark.parametrize("side", ["short_squeeze", "long_squeeze"])
def test_bounded_read_equals_whole_store_restricted_to_the_lookback(store, lookback_days, side):
    whole = build_features(store, "BTC", until=AS_OF, features=CALIBRATION_FEATURES)
    kwargs = {"side": side, "funding_z": 1.0, "min_events": 3}
    expected = base_rate_from_frame(whole, as_of=AS_OF, lookback_days=lookback_days, **kwargs)
    bounded = squeeze_base_rates(store, "BTC", AS_OF, lookback_days=lookback_days, **kwargs)
    _same(bounded, expected)
    assert bounded.value is not None  # the OI history (2023-12 on) gives events in every window here


@pytest.mark.real_data
def test_lookback_longer_than_history_is_the_unbounded_answer(store):
    whole = build_features(store, "BTC", until=AS_OF, features=CALIBRATION_FEATURES)
    unbounded = base_rate_from_frame(whole, as_of=AS_OF, funding_z=1.0, min_events=3)
    _same(squeeze_base_rates(store, "BTC", AS_OF, funding_z=1.0, min_events=3, lookback_days=5000.0), unbounded)


@pytest.mark.real_data
def test_both_sides_from_one_read(store, monkeypatch):
    reads = []
    original = HistoryStore.candle_series

    def counting(self, *args, **kwargs):
        reads.append(kwargs.get("since"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(HistoryStore, "candle_series", counting)
    short, long_ = squeeze_calibration(store, "BTC", AS_OF)
    assert len(reads) == 1
    assert reads[0] is not None
    monkeypatch.undo()
    _same(short, squeeze_base_rates(store, "BTC", AS_OF, side="short_squeeze"))
    _same(long_, squeeze_base_rates(store, "BTC", AS_OF, side="long_squeeze"))
