"""OKX USDT swaps: their part of a snapshot. Pure: no I/O."""

from __future__ import annotations

from derivintel.sources.assembly import Assembler, Macro, Parts, add
from derivintel.sources.okx import endpoints as okx_ep
from derivintel.sources.okx import parse as okx


def assemble_futures(a: Assembler, asset: str, parts: Parts) -> None:
    """OKX dated futures of ``asset`` (the ``{asset}-USD`` family): expiries, marks, and OI when it answered."""
    name = okx_ep.PROVIDER.name
    family = okx_ep.FUTURES_FAMILY.format(asset=asset)
    instruments = a.parse(
        name, "instruments_futures", asset, lambda r: okx.parse_futures_instruments(r.body, family=family)
    )
    oi = a.parse(name, "open-interest_futures", asset, lambda r: okx.parse_futures_open_interest(r.body, family=family))
    if instruments is None:
        a.dependent(name, "mark-price_futures", asset, needs=(name, "instruments_futures", asset))
        return
    futures = a.parse(
        name,
        "mark-price_futures",
        asset,
        lambda r: okx.parse_futures_marks(
            r.body, asset=asset, instruments=instruments, oi_base=oi, ts_recv=r.ts_received
        ),
    )
    parts.futures.extend(futures or ())


def assemble(a: Assembler, asset: str, parts: Parts, macro: Macro) -> None:
    """OKX swap datasets and dated futures of ``asset`` into ``parts``."""
    assemble_futures(a, asset, parts)
    name = okx_ep.PROVIDER.name
    symbol = a.symbol(okx_ep.PROVIDER, asset)
    oi = a.parse(
        name, "open-interest", asset, lambda r: okx.parse_open_interest(r.body, symbol=symbol, ts_recv=r.ts_received)
    )
    mark = a.parse(
        name, "mark-price", asset, lambda r: okx.parse_mark_price(r.body, symbol=symbol, ts_recv=r.ts_received)
    )
    index = a.parse(name, "index-tickers", asset, lambda r: okx.parse_index_price(r.body, index_id=f"{asset}-USDT"))
    perp = None
    if mark is not None:
        perp = a.parse(
            name,
            "funding-rate",
            asset,
            lambda r: okx.parse_funding_rate(
                r.body,
                asset=asset,
                symbol=symbol,
                ts_recv=r.ts_received,
                mark_price_usd=mark.mark_price_usd,
                index_price_usd=index,
                oi_base=None if oi is None else oi.oi_base,
            ),
        )
        add(parts.perps, perp)
    else:
        a.dependent(name, "funding-rate", asset, needs=(name, "mark-price", asset))
    add(
        parts.funding,
        a.parse(
            name,
            "funding-rate-history",
            asset,
            lambda r: okx.parse_funding_history(
                r.body,
                asset=asset,
                symbol=symbol,
                ts_recv=r.ts_received,
                interval_hours=None if perp is None else perp.funding_interval_hours,
            ),
        ),
    )
    add(
        parts.long_short,
        a.parse(
            name,
            "long-short-account-ratio",
            asset,
            lambda r: okx.parse_long_short_ratio(r.body, asset=asset, ts_recv=r.ts_received, period_s=okx_ep.PERIOD_S),
        ),
    )
    add(
        parts.taker_volume,
        a.parse(
            name,
            "taker-volume",
            asset,
            lambda r: okx.parse_taker_volume(r.body, asset=asset, ts_recv=r.ts_received, period_s=okx_ep.PERIOD_S),
        ),
    )
    add(
        parts.candles,
        a.parse(
            name,
            "candles",
            asset,
            lambda r: okx.parse_candles(r.body, asset=asset, ts_recv=r.ts_received, interval_s=okx_ep.PERIOD_S),
        ),
    )
    # contract value: the open-interest answer's oiCcy / oi, else the instrument list's ctVal × ctMult, else declared
    listed = a.listing(name, asset)
    fallback = listed.contract_size_base if listed is not None else okx_ep.CONTRACT_VALUE_BASE.get(asset, float("nan"))
    ct_val = oi.contract_value_base if oi is not None and oi.contract_value_base > 0 else fallback
    add(
        parts.books,
        a.parse(
            name,
            "books",
            asset,
            lambda r: okx.parse_books(r.body, asset=asset, ts_recv=r.ts_received, contract_value_base=ct_val),
        ),
    )
