"""Real Deribit chains (svcj snapshots): the futures curve at each capture, checked against numpy."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from derivintel.analytics.positioning.basis_curve import CurveShape, basis_curve
from derivintel.core.provenance import Source
from derivintel.domain.futures import DatedFuture, Margin
from derivintel.sources.deribit.parse import future_expiry
from tests.realdata import real_path

DIR = "deribit_options", "svcj_snapshots"


def futures_of(path: Path, currency: str) -> list[DatedFuture]:
    """The dated futures quoted in one snapshot (``futures_price`` per real future; SYN. forwards left out),
    against the snapshot's median index price."""
    df = pd.read_csv(path)
    df = df[(df["currency"] == currency) & ~df["futures_instrument_name"].str.startswith("SYN.")]
    as_of = pd.Timestamp(df["timestamp"].iloc[0]).to_pydatetime()
    index = float(df["index_price"].median())
    src = Source("deribit", "svcj_snapshot", as_of, as_of)
    out = []
    for name, g in df.groupby("futures_instrument_name"):
        expiry = future_expiry(str(name))
        assert expiry is not None, name
        out.append(
            DatedFuture(
                "deribit",
                currency,
                str(name),
                expiry,
                float(g["futures_price"].median()),
                index,
                None,
                Margin.INVERSE,
                src,
            )
        )
    return out


def test_real_curve_31dec2025_matches_numpy_interpolation() -> None:
    path = real_path(*DIR, "deribit_options_snapshot_20251231T091828Z.csv")
    futures = futures_of(path, "BTC")
    res = basis_curve(futures, reference_spot_usd=None)
    c = res.value
    # BTC-2JAN26 expires 0.95 days after the capture: under the 3-day cut
    assert [e.split(" ")[0] for e in c.excluded] == ["deribit:BTC-2JAN26"]
    days = np.array([p.days for p in c.points])
    total = np.array([p.future_usd / p.spot_usd - 1 for p in c.points])
    # independent check: numpy's linear interpolation in total basis at 91.3125 days, annualised
    expected = np.interp(365.25 / 4, days, total) * 4
    assert c.cm_3m.basis_annualised == pytest.approx(expected, rel=1e-12)
    assert not c.cm_3m.extrapolated
    assert (c.cm_3m.lower, c.cm_3m.upper) == (future_expiry("BTC-27MAR26"), future_expiry("BTC-26JUN26"))
    assert 0.03 < c.cm_3m.basis_annualised < 0.07  # about 5 % a year at the end of 2025
    assert c.shape is CurveShape.CONTANGO


def test_real_quarterly_expiry_morning_drops_the_expiring_contract() -> None:
    futures = futures_of(real_path(*DIR, "deribit_options_snapshot_20260327T045944Z.csv"), "BTC")
    c = basis_curve(futures, reference_spot_usd=None).value
    assert any(e.startswith("deribit:BTC-27MAR26 expires in 0.1 days") for e in c.excluded)
    assert all(p.days >= 3 for p in c.points)


def test_every_real_snapshot_gives_a_curve() -> None:
    folder = real_path(*DIR)
    shapes: Counter[str] = Counter()
    cms = []
    for path in sorted(folder.glob("deribit_options_snapshot_*.csv")):
        for currency in ("BTC", "ETH"):
            res = basis_curve(futures_of(path, currency), reference_spot_usd=None)
            assert res.value is not None, (path.name, currency, res.reasons)
            shapes[res.value.shape.value] += 1
            cms.append(res.value.cm_3m.basis_annualised)
            assert -0.5 < res.value.cm_3m.basis_annualised < 0.5
    assert sum(shapes.values()) == 2 * len(list(folder.glob("deribit_options_snapshot_*.csv")))
    print(f"shapes over {sum(shapes.values())} real curves: {dict(shapes)}; cm_3m median {np.median(cms):.4f}")
