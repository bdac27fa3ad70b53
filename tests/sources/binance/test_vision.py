"""data.binance.vision dump parser (``sources/binance/vision.py``): pure, a file in, typed series out; bad rows
refuse the file naming its line. The store side (writing, idempotence) is tested in tests/store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from derivintel.core.errors import UserInputError
from derivintel.domain.series import CandleSeries, FundingSeries
from derivintel.sources import registry
from derivintel.sources.binance import vision

RECV = datetime(2024, 2, 1, tzinfo=UTC)
H4 = 14_400_000
T0 = 1704067200000  # 2024-01-01T00:00Z
HEADER = (
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore"
)


def _bar(i: int, c: float = 42100.0) -> str:
    t = T0 + i * H4
    return f"{t},42000.0,42500.0,41800.0,{c},100.0,{t + H4 - 1},4210000.0,10,50.0,2105000.0,0"


def _write(tmp_path: Path, lines: list[str], name: str = "BTCUSDT-4h-2024-01.csv") -> Path:
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_klines_become_one_candle_series_of_the_perp_venue(tmp_path: Path) -> None:
    dump = vision.parse_file(_write(tmp_path, [HEADER, _bar(0), _bar(1)]), received_at=RECV)
    (s,) = dump.series
    assert isinstance(s, CandleSeries)
    assert (s.venue, s.asset, s.market, s.interval_s) == ("binance-usdm", "BTC", "perp", 14_400)
    assert s.ts.astype(np.int64).tolist() == [T0, T0 + H4]
    assert s.source.dataset == "data.binance.vision/klines_4h"


def test_spot_file_name_selects_the_spot_venue(tmp_path: Path) -> None:
    (s,) = vision.parse_file(_write(tmp_path, [_bar(0)], name="spot-BTCUSDT-4h.csv"), received_at=RECV).series
    assert (s.venue, s.market) == ("binance-spot", "spot")


def test_blank_lines_are_skipped_and_still_counted_in_line_numbers(tmp_path: Path) -> None:
    ok = vision.parse_file(_write(tmp_path, [HEADER, _bar(0), "", _bar(1)]), received_at=RECV)
    assert len(ok.series[0]) == 2
    high_too_low = _bar(1).replace("42500.0", "41000.0", 1)
    bad = _write(tmp_path, [HEADER, _bar(0), "", high_too_low, _bar(2)], name="BTCUSDT-b.csv")
    with pytest.raises(UserInputError, match=r"BTCUSDT-b\.csv: line 4: high below open or close"):
        vision.parse_file(bad, received_at=RECV)


def test_rows_out_of_order_are_sorted_and_exact_repeats_kept_once(tmp_path: Path) -> None:
    (s,) = vision.parse_file(_write(tmp_path, [_bar(2), _bar(0), _bar(1), _bar(0)]), received_at=RECV).series
    assert s.ts.astype(np.int64).tolist() == [T0, T0 + H4, T0 + 2 * H4]


def test_conflicting_repeat_out_of_order_names_both_lines(tmp_path: Path) -> None:
    p = _write(tmp_path, [_bar(1), _bar(0), _bar(1, c=42200.0)])
    with pytest.raises(UserInputError, match=r"lines 1 and 3: two different rows for one time"):
        vision.parse_file(p, received_at=RECV)


def test_a_row_before_the_market_opened_is_refused_with_its_first_day(tmp_path: Path) -> None:
    p = _write(tmp_path, [_bar(-100_000)])
    with pytest.raises(UserInputError, match=r"binance-usdm trades since 2019-09-08"):
        vision.parse_file(p, received_at=RECV)


def test_funding_file_is_a_funding_series_of_the_perp_venue(tmp_path: Path) -> None:
    p = _write(tmp_path, ["calc_time,funding_interval_hours,last_funding_rate", f"{T0 + 3},8,0.0001"])
    (s,) = vision.parse_file(p, received_at=RECV).series
    assert isinstance(s, FundingSeries)
    assert (s.venue, s.asset) == ("binance-usdm", "BTC")
    assert s.ts.astype(np.int64).tolist() == [T0]  # calc_time rounded to the second
    assert s.rate_interval.tolist() == [0.0001]


def test_the_registry_lists_the_format_under_its_cli_name() -> None:
    assert registry.dump_format("binance-vision") is vision.DUMP_FORMAT
    with pytest.raises(KeyError, match="unknown dump format"):
        registry.dump_format("no-such-format")
