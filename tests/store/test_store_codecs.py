"""Codecs per kind and the generic ``HistoryStore.write``/``read`` pair (issue 13 §5)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from derivintel.core.provenance import Source
from derivintel.domain.series import (
    CandleSeries,
    FundingSeries,
    LongShortKind,
    LongShortSeries,
    OpenInterestSeries,
    TakerVolumeSeries,
)
from derivintel.store import HistoryStore
from derivintel.store.codecs import CODEC_OF_KIND, CODEC_OF_TYPE

T0 = datetime(2024, 3, 1, tzinfo=UTC)
SRC = Source("codec-test", "rows", T0, T0 + timedelta(days=1))
N = 6


def _ts(step_s: int) -> np.ndarray:
    return (np.datetime64("2024-03-01T00:00", "ms") + np.arange(N) * np.timedelta64(step_s, "s")).astype(
        "datetime64[ms]"
    )


def _x(k: float) -> np.ndarray:
    return np.arange(N, dtype=float) + k


SAMPLES = {
    "candles": CandleSeries("v", "BTC", "perp", 3600, _ts(3600), _x(1), _x(2), _x(0), _x(1.5), _x(10), None, SRC),
    "open_interest": OpenInterestSeries("v", "BTC", 300, _ts(300), _x(100), _x(1e6), SRC),
    "funding": FundingSeries("v", "BTC", _ts(28_800), _x(1) * 1e-5, np.full(N, 8.0), SRC),
    "long_short": LongShortSeries("v", "BTC", LongShortKind.TOP_POSITIONS, 300, _ts(300), _x(1), SRC),
    "taker_volume": TakerVolumeSeries("v", "BTC", 300, _ts(300), _x(3), _x(4), SRC),
}


def _same(a, b) -> None:
    for f in fields(a):
        if f.name == "source":
            continue
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y)
        else:
            assert x == y, f.name


def test_every_series_kind_has_one_codec() -> None:
    assert set(CODEC_OF_KIND) == set(SAMPLES)
    assert {type(s) for s in SAMPLES.values()} == set(CODEC_OF_TYPE)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_generic_write_then_read_round_trips(tmp_path: Path, store_at, kind: str) -> None:
    s = SAMPLES[kind]
    with HistoryStore(store_at(tmp_path, "h")) as st:
        assert st.write(s) == N
        assert st.write(s) == 0  # idempotent
        (back,) = st.read(kind, "BTC")
    _same(s, back)
    assert back.source.name == "codec-test"
    step = int((s.ts[1] - s.ts[0]) / np.timedelta64(1, "s"))
    bar = CODEC_OF_KIND[kind].bars
    expected_as_of = s.ts[-1].astype(datetime).replace(tzinfo=UTC) + timedelta(seconds=step if bar else 0)
    assert back.source.as_of == expected_as_of


@pytest.mark.parametrize("kind", ["candles", "taker_volume"])
def test_bars_are_read_only_once_closed(tmp_path: Path, store_at, kind: str) -> None:
    s = SAMPLES[kind]
    step = int((s.ts[1] - s.ts[0]) / np.timedelta64(1, "s"))
    last_open = s.ts[-1].astype(datetime).replace(tzinfo=UTC)
    with HistoryStore(store_at(tmp_path, "h")) as st:
        st.write(s)
        (before,) = st.read(kind, "BTC", until=last_open + timedelta(seconds=step - 1))
        (after,) = st.read(kind, "BTC", until=last_open + timedelta(seconds=step))
    assert (len(before), len(after)) == (N - 1, N)


def test_unknown_kind_or_type_is_refused(tmp_path: Path, store_at) -> None:
    with HistoryStore(store_at(tmp_path, "h")) as st:
        with pytest.raises(ValueError, match="no series kind"):
            st.read("order_books", "BTC")
        with pytest.raises(TypeError, match="cannot store a dict"):
            st.write({})
