"""CoinGecko, DefiLlama and FRED parsers (units: fraction, USD, index points; FRED '.' = missing)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.core.errors import BadPayloadError
from derivintel.sources.coingecko.parse import parse_global
from derivintel.sources.defillama.parse import parse_stablecoin_charts
from derivintel.sources.fred.parse import parse_fred_csv
from tests.realdata import real_path
from tests.sources.fakeserver import FIXTURES

RECV = datetime(2024, 6, 1, 7, 0, 1, tzinfo=UTC)
# Fetch time for the real recordings: after every capture (2023..2026-10), so none reads as future.
REAL_RECV = datetime(2026, 12, 1, tzinfo=UTC)


def test_coingecko_dominance_fraction() -> None:
    s = parse_global((FIXTURES / "coingecko" / "global.json").read_bytes(), ts_recv=RECV)
    assert s.values.tolist() == [0.525]
    assert s.source.as_of == datetime.fromtimestamp(1717225000, tz=UTC)
    with pytest.raises(BadPayloadError, match="out of range"):
        parse_global(b'{"data":{"market_cap_percentage":{"btc":0},"updated_at":1717225000}}', ts_recv=RECV)


def test_defillama_stablecoin_supply() -> None:
    s = parse_stablecoin_charts((FIXTURES / "defillama" / "stablecoincharts.json").read_bytes(), ts_recv=RECV)
    np.testing.assert_allclose(s.values, [160e9, 160.5e9, 161e9])
    assert s.ts[-1] == np.datetime64("2024-06-01", "ms")
    assert s.until(datetime(2024, 6, 1, 12, tzinfo=UTC)).values[-1] == 160.5e9  # today's row known tomorrow


def test_fred_missing_days_and_release_lag() -> None:
    s = parse_fred_csv(
        (FIXTURES / "fred" / "VIXCLS.csv").read_bytes(), series="VIXCLS", name="vix", unit="index_points", ts_recv=RECV
    )
    np.testing.assert_allclose(s.values, [13.06, 14.27, 12.92])  # 2024-05-30 empty: dropped, not zero
    # Friday 2024-05-31 becomes available on Monday 2024-06-03
    assert s.available_ts[-1] == np.datetime64("2024-06-03", "ms")
    old_header = b"DATE,VIXCLS\n2024-05-28,13.06\n"
    assert len(parse_fred_csv(old_header, series="VIXCLS", name="vix", unit="index_points", ts_recv=RECV)) == 1
    for bad, msg in (
        (b"DATE,VIXCLS\n2024-05-28,13.06", "truncated"),
        (b"DATE,OTHER\n2024-05-28,1\n", "header"),
        (b"DATE,VIXCLS\n2024-05-28,NaN\n", "non-finite"),
        (b"DATE,VIXCLS\n2024-05-2,1\n", "bad date"),
    ):
        with pytest.raises(BadPayloadError, match=msg):
            parse_fred_csv(bad, series="VIXCLS", name="vix", unit="index_points", ts_recv=RECV)


@pytest.mark.real_data
def test_real_fred_vix_history_as_fred_csv() -> None:
    """Real VIXCLS history (finance-terminal dump) re-emitted in FRED's CSV format."""
    lines = real_path("macro", "fterm_vix.csv").read_text().splitlines()[1:]
    body = "observation_date,VIXCLS\n" + "".join(f"{ln.split(',')[0]},{ln.split(',')[1]}\n" for ln in lines)
    s = parse_fred_csv(body.encode(), series="VIXCLS", name="vix", unit="index_points", ts_recv=REAL_RECV)
    assert len(s) > 9000
    assert s.values[0] == 17.24
    assert s.ts[0] == np.datetime64("1990-01-02", "ms")
    assert np.nanmin(s.values) > 9
    assert np.nanmax(s.values) < 90


def test_fred_recorded_csv_with_empty_holiday_and_both_missing_markers() -> None:
    """FRED as served in 2026 (third-party recording, fixtures/fred/SOURCES.md): ``observation_date`` header and an
    EMPTY value on Good Friday 2026-04-03; the older ``.`` marker still reads as missing too."""
    body = (FIXTURES / "fred" / "recorded" / "VIXCLS_2026-03-23_2026-04-10.csv").read_bytes()
    s = parse_fred_csv(body, series="VIXCLS", name="vix", unit="index_points", ts_recv=REAL_RECV)
    assert len(s) == 14  # 15 days, the holiday dropped
    assert np.datetime64("2026-04-03", "ms") not in s.ts
    assert s.values[-1] == 19.23
    assert s.available_ts[8] == np.datetime64("2026-04-03", "ms")  # 04-02 known next business day (numpy calendar)
    dotted = body.replace(b"2026-04-03,\n", b"2026-04-03,.\n")
    np.testing.assert_array_equal(
        parse_fred_csv(dotted, series="VIXCLS", name="vix", unit="index_points", ts_recv=REAL_RECV).values, s.values
    )
    with pytest.raises(BadPayloadError, match="more than a day after the fetch"):
        parse_fred_csv(body, series="VIXCLS", name="vix", unit="index_points", ts_recv=datetime(2026, 4, 1, tzinfo=UTC))
