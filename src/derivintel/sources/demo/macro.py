"""Demo macro and market-wide daily series (names and units as ``derivintel.domain.macro.MACRO_UNITS``).

- ``nasdaq``, ``vix``, ``wti``, ``dxy``: US business days (weekends skipped; holidays are not modelled),
  ``ts`` = the date at 00:00 UTC, ``available_ts`` = the next business day 00:00 UTC (FRED-style one business day
  lag). NASDAQ's daily log return is ``0.0004 + 0.012 (ρ ẑ_btc + √(1−ρ²) ε)`` with ρ = 0.5, where ẑ_btc is BTC's
  standardised business-day return (closes at 21:00 UTC), so the BTC–NASDAQ correlation is about 0.5. VIX is
  ``exp(ln 16 + y_t)``, ``y`` AR(1) driven by −3.5 × NASDAQ returns, bent over the last 8 business days to
  end at 19.5–23.5 (mildly elevated).
- ``stablecoin_supply`` (USD), ``btc_dominance`` (fraction; moves against ETH/BTC), ``eth_btc`` (ETH close ÷ BTC
  close at the end of each UTC day): every calendar day, ``available_ts`` = the next day 00:00 UTC.
Only rows with ``available_ts ≤ as_of`` are produced.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from derivintel.core.recursive_filter import first_order_filter
from derivintel.core.timeutil import DAY_S, dt64_to_datetime, to_ms
from derivintel.domain.macro import MACRO_UNITS, MacroSeries
from derivintel.sources.demo.price_path import PricePath
from derivintel.sources.demo.profiles import ASSET_CODE, demo_source
from derivintel.sources.demo.timeline import HOUR_MS, Timeline

MACRO_DAYS = 430
DAY_MS = DAY_S * 1000
NASDAQ_BTC_RHO = 0.5
_DATASET = {
    "vix": "fred/VIXCLS",
    "nasdaq": "fred/NASDAQCOM",
    "wti": "fred/DCOILWTICO",
    "dxy": "fred/DTWEXBGS",
    "stablecoin_supply": "defillama/stablecoincharts_all",
    "btc_dominance": "coingecko/global",
    "eth_btc": "derived/eth_btc_daily_close",
}


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    return first_order_filter(rng.standard_normal(n), sd, phi)


def _price_at(path: PricePath, timeline: Timeline, t_ms: np.ndarray) -> np.ndarray:
    """Spot price at bar-close times ``t_ms`` (must be on the hourly grid and inside the path)."""
    idx = (t_ms - timeline.bar_close_ms[0]) // HOUR_MS
    return path.close_usd[idx]


def build_macro(timeline: Timeline, paths: Mapping[str, PricePath]) -> dict[str, MacroSeries]:
    rng = timeline.rng(ASSET_CODE["MACRO"], 1)
    as_of_ms = to_ms(timeline.as_of)
    last_day_ms = (as_of_ms // DAY_MS - 1) * DAY_MS  # last day whose next-day midnight is ≤ as_of
    day_ms = last_day_ms - DAY_MS * np.arange(MACRO_DAYS - 1, -1, -1, dtype=np.int64)
    day64 = day_ms.astype("datetime64[ms]")
    btc, eth = paths["BTC"], paths["ETH"]
    eod_btc = _price_at(btc, timeline, day_ms + DAY_MS)
    eod_eth = _price_at(eth, timeline, day_ms + DAY_MS)

    # US business days: available the next business day 00:00 UTC
    bday = np.is_busday(day64.astype("datetime64[D]"))
    nxt = np.busday_offset(day64.astype("datetime64[D]"), 1, roll="forward").astype("datetime64[ms]")
    bmask = bday & (nxt.astype(np.int64) <= as_of_ms)
    b_ts, b_avail = day64[bmask], nxt[bmask]
    nb = len(b_ts)
    btc_us_close = _price_at(btc, timeline, day_ms[bmask] + 21 * HOUR_MS)
    r_btc = np.concatenate([[0.0], np.diff(np.log(btc_us_close))])
    z_btc = (r_btc - r_btc.mean()) / r_btc.std()
    z = NASDAQ_BTC_RHO * z_btc + np.sqrt(1 - NASDAQ_BTC_RHO**2) * rng.standard_normal(nb)
    nq_ret = 0.0004 + 0.012 * z
    nasdaq = np.exp(np.cumsum(nq_ret))
    nasdaq *= rng.uniform(19_500, 21_500) / nasdaq[-1]
    vix_dev = first_order_filter(-3.5 * nq_ret + 0.06 * rng.standard_normal(nb), 1.0, 0.93)
    log_vix = np.log(16.0) + vix_dev
    ramp = np.clip((np.arange(nb) - (nb - 9)) / 8.0, 0.0, 1.0)  # last 8 business days: drift up to the end level
    log_vix += ramp * (np.log(rng.uniform(19.5, 23.5)) - log_vix[-1])
    vix = np.clip(np.exp(log_vix), 9.0, 80.0)
    wti = 72.0 * np.exp(_ar1(rng, nb, 0.985, 0.02))
    dxy = 103.5 * np.exp(_ar1(rng, nb, 0.99, 0.0035))

    # calendar-day series, available the next day 00:00 UTC (all days here satisfy that by construction)
    nd = MACRO_DAYS
    d_avail = (day_ms + DAY_MS).astype("datetime64[ms]")
    supply = np.exp(0.00025 * np.arange(nd) + _ar1(rng, nd, 0.9, 0.0008))
    supply = np.round(supply * rng.uniform(2.9e11, 3.1e11) / supply[-1])
    eth_btc = eod_eth / eod_btc
    end_dominance = rng.uniform(0.56, 0.60)
    wobble = _ar1(rng, nd, 0.97, 0.004)
    logit = np.log(end_dominance / (1 - end_dominance)) - 1.2 * (np.log(eth_btc) - np.log(eth_btc[-1]))
    logit += wobble - wobble[-1]
    dominance = 1.0 / (1.0 + np.exp(-logit))

    rows = {
        "nasdaq": (b_ts, np.round(nasdaq, 2), b_avail),
        "vix": (b_ts, np.round(vix, 2), b_avail),
        "wti": (b_ts, np.round(wti, 2), b_avail),
        "dxy": (b_ts, np.round(dxy, 3), b_avail),
        "stablecoin_supply": (day64, supply, d_avail),
        "btc_dominance": (day64, np.round(dominance, 5), d_avail),
        "eth_btc": (day64, np.round(eth_btc, 6), d_avail),
    }
    out = {}
    for name, (ts, values, avail) in rows.items():
        src = demo_source(_DATASET[name], dt64_to_datetime(ts[-1]), timeline.as_of)
        out[name] = MacroSeries(name, MACRO_UNITS[name], ts, values.astype(np.float64), src, avail)
    return out
