"""Binance USD-M perps, quarterlies (USD-M and COIN-M) and spot: their part of a snapshot.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import replace

from derivintel.domain.perp import PerpMetrics
from derivintel.domain.venue import Market
from derivintel.sources.assembly import Assembler, Macro, Parts, add
from derivintel.sources.binance import endpoints as binance_ep
from derivintel.sources.binance import parse as binance
from derivintel.sources.wire import RawResponse


def assemble_usdm(a: Assembler, asset: str, parts: Parts, macro: Macro) -> None:
    """Binance USD-M perp datasets of ``asset`` into ``parts``."""
    usdm = binance_ep.USDM
    symbol = a.symbol(usdm, asset)
    intervals = a.parse(usdm.name, "fundingInfo", None, lambda r: binance.parse_funding_intervals(r.body))
    interval_h = None if intervals is None else binance.funding_interval_hours(intervals, symbol)
    oi = a.parse(
        usdm.name,
        "openInterest",
        asset,
        lambda r: binance.parse_open_interest(r.body, symbol=symbol, ts_recv=r.ts_received),
    )

    def perp(r: RawResponse) -> PerpMetrics:
        metrics = binance.parse_premium_index(
            r.body,
            asset=asset,
            symbol=symbol,
            ts_recv=r.ts_received,
            funding_interval_hours=interval_h or binance.DEFAULT_FUNDING_INTERVAL_H,
            oi_base=None if oi is None else oi.oi_base,
        )
        if interval_h is None:  # interval unknown: do not publish a rate that may be per 4h or per 8h
            metrics = replace(metrics, funding_rate_interval=None)
        return metrics

    add(parts.perps, a.parse(usdm.name, "premiumIndex", asset, perp))
    if interval_h is not None:
        add(
            parts.funding,
            a.parse(
                usdm.name,
                "fundingRate",
                asset,
                lambda r: binance.parse_funding_history(
                    r.body, asset=asset, symbol=symbol, ts_recv=r.ts_received, interval_hours=interval_h
                ),
            ),
        )
    else:
        a.dependent(usdm.name, "fundingRate", asset, needs=(usdm.name, "fundingInfo", None))
    add(
        parts.open_interest,
        a.parse(
            usdm.name,
            "openInterestHist",
            asset,
            lambda r: binance.parse_open_interest_hist(
                r.body, asset=asset, symbol=symbol, ts_recv=r.ts_received, period_s=binance_ep.RATIO_PERIOD_S
            ),
        ),
    )
    for dataset in binance.LONG_SHORT_KINDS:
        add(
            parts.long_short,
            a.parse(
                usdm.name,
                dataset,
                asset,
                lambda r, d=dataset: binance.parse_long_short(
                    r.body,
                    dataset=d,
                    asset=asset,
                    symbol=symbol,
                    ts_recv=r.ts_received,
                    period_s=binance_ep.RATIO_PERIOD_S,
                ),
            ),
        )
    add(
        parts.taker_volume,
        a.parse(
            usdm.name,
            "takerlongshortRatio",
            asset,
            lambda r: binance.parse_taker_volume(
                r.body, asset=asset, ts_recv=r.ts_received, period_s=binance_ep.RATIO_PERIOD_S
            ),
        ),
    )
    _klines(a, asset, parts, usdm.name, "perp")
    _quarterlies(a, asset, parts)
    add(
        parts.books,
        a.parse(usdm.name, "depth", asset, lambda r: binance.parse_depth(r.body, asset=asset, ts_recv=r.ts_received)),
    )


def _quarterlies(a: Assembler, asset: str, parts: Parts) -> None:
    """USD-M quarterlies of ``asset``: delivery dates from ``exchangeInfo``, marks from ``premiumIndex_all``."""
    usdm = binance_ep.USDM.name
    contracts = a.parse(usdm, "exchangeInfo", None, lambda r: binance.parse_delivery_contracts(r.body))
    if contracts is None:
        a.dependent(usdm, "premiumIndex_all", None, needs=(usdm, "exchangeInfo", None))
        return
    futures = a.parse(
        usdm,
        "premiumIndex_all",
        None,
        lambda r: binance.parse_quarterly_futures(r.body, asset=asset, contracts=contracts, ts_recv=r.ts_received),
    )
    parts.futures.extend(futures or ())


def assemble_coinm(a: Assembler, asset: str, parts: Parts, macro: Macro) -> None:
    """Binance COIN-M quarterlies of ``asset``: delivery dates from ``exchangeInfo``, marks from the pair's
    ``premiumIndex``."""
    coinm = binance_ep.COINM.name
    contracts = a.parse(coinm, "exchangeInfo", None, lambda r: binance.parse_delivery_contracts(r.body, provider=coinm))
    if contracts is None:
        a.dependent(coinm, "premiumIndex", asset, needs=(coinm, "exchangeInfo", None))
        return
    futures = a.parse(
        coinm,
        "premiumIndex",
        asset,
        lambda r: binance.parse_quarterly_futures(
            r.body, asset=asset, contracts=contracts, ts_recv=r.ts_received, provider=coinm, dataset="premiumIndex"
        ),
    )
    parts.futures.extend(futures or ())


def _klines(a: Assembler, asset: str, parts: Parts, provider: str, market: Market) -> None:
    for dataset, interval_s in (("klines_1h", 3600), ("klines_1d", 86_400)):
        add(
            parts.candles,
            a.parse(
                provider,
                dataset,
                asset,
                lambda r, d=dataset, i=interval_s: binance.parse_klines(
                    r.body,
                    provider=provider,
                    dataset=d,
                    asset=asset,
                    market=market,
                    interval_s=i,
                    ts_recv=r.ts_received,
                ),
            ),
        )


def assemble_spot(a: Assembler, asset: str, parts: Parts, macro: Macro) -> None:
    """Binance spot candles of ``asset`` into ``parts``."""
    _klines(a, asset, parts, binance_ep.SPOT.name, "spot")
