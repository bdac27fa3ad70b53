"""Option trade flow (what customers traded) and an estimated dealer inventory from it.

**Flow** over the trades of the last ``window`` before ``as_of``. Each trade's greeks are Black-76 at the trade's
own IV with the index price as the forward (the trade record carries no forward; for expiries beyond a few days the
basis moves delta by less than the IV rounding) and ``T`` from the trade time to expiry. The taker (aggressor) is
taken as the customer: ``+1`` bought, ``−1`` sold. Sums (customer side):

- ``premium_usd = Σ amount × price_coin × index``; ``notional_usd = Σ amount × index``;
- ``net_delta_base = Σ aggressor × amount × delta`` (coins of underlying the customers bought through options);
- ``net_gamma_usd_per_1pct = Σ aggressor × amount × Γ × F² × 0.01`` and
  ``net_vega_usd_per_vol_point = Σ aggressor × amount × vega`` (USD per 0.01 of IV);
- screen and block trades apart; ``block_share`` is block notional / all notional.

Trades without an IV count in premium and notional but not in the greeks (their number is stated). The flow is
partial when the record is not complete over the whole window (``OptionTrades.covered_from`` after its start, or
fetched more than 30 minutes before ``as_of``).

**Dealer inventory** (the Amberdata idea): dealers are assumed to take the other side of every aggressor, so their
position in each option is ``−Σ aggressor × amount`` over the trades since a stated start. Its GEX, on the current
chain's forwards and mark IVs, is ``Σ dealer_position × Γ × F² × 0.01`` (USD per 1 %), the same formula as the
fixed-scenario GEX with measured signs instead of assumed ones. It is only as good as its coverage:
``coverage = Σ|dealer position| / Σ OI`` over the live chain (the share of open interest the observed flow
explains). Below ``MIN_COVERAGE`` or ``MIN_HISTORY_DAYS`` of flow the GEX is withheld with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from derivintel.core.black76 import black76_greeks, years_to_expiry
from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.core.timeutil import DAY_S, to_datetime64, utc
from derivintel.domain.option_trades import OptionTrades
from derivintel.domain.options import OptionChain

MIN_COVERAGE = 0.25
MIN_HISTORY_DAYS = 7.0
_MS_PER_YEAR = 365.0 * DAY_S * 1000.0


@dataclass(frozen=True, slots=True)
class FlowTotals:
    """Customer-side sums of one group of trades (module doc for units)."""

    trades: int
    premium_usd: float
    notional_usd: float
    net_delta_base: float
    net_gamma_usd_per_1pct: float
    net_vega_usd_per_vol_point: float


@dataclass(frozen=True, slots=True)
class TradeFlow:
    """Flow over ``window_hours`` to ``as_of``: all trades, screen and block apart, the block share of notional,
    and how many trades had no IV (left out of the greeks)."""

    as_of: datetime
    window_hours: float
    all: FlowTotals
    screen: FlowTotals
    block: FlowTotals
    block_share: float | None
    trades_without_iv: int


def _totals(
    mask: np.ndarray, t: OptionTrades, delta: np.ndarray, gamma_1pct: np.ndarray, vega: np.ndarray
) -> FlowTotals:
    """Sums over the trades of ``mask`` (greeks NaN for trades without an IV, left out of the greek sums)."""
    signed = (t.aggressor * t.amount_base)[mask]
    index = t.index_price_usd[mask]
    amount = t.amount_base[mask]
    ok = np.isfinite(delta[mask])
    return FlowTotals(
        trades=int(mask.sum()),
        premium_usd=float((amount * t.price_coin[mask] * index).sum()),
        notional_usd=float((amount * index).sum()),
        net_delta_base=float((signed * delta[mask])[ok].sum()),
        net_gamma_usd_per_1pct=float((signed * gamma_1pct[mask])[ok].sum()),
        net_vega_usd_per_vol_point=float((signed * vega[mask])[ok].sum()),
    )


def trade_flow(trades: OptionTrades, *, as_of: datetime, window: timedelta = timedelta(hours=24)) -> Result[TradeFlow]:
    """Customer flow over the trades in ``(as_of − window, as_of]`` (module doc)."""
    as_of = utc(as_of)
    params = {"window_hours": window / timedelta(hours=1), "forward": "index price at the trade"}
    end = to_datetime64(as_of)
    t = trades
    inside = (t.ts > end - np.timedelta64(int(window.total_seconds() * 1000), "ms")) & (t.ts <= end)
    if not inside.any():
        return Result.missing(f"no option trade in the {params['window_hours']:g} h before as_of", params=params)
    t_years = np.maximum((t.expiry - t.ts).astype(np.int64) / _MS_PER_YEAR, 3600.0 / (365.0 * DAY_S))
    has_iv = np.isfinite(t.iv) & (t.iv > 0)
    g = black76_greeks(t.index_price_usd, t.strike, t_years, np.where(has_iv, t.iv, 0.5), t.is_call)
    nan = np.where(has_iv, 1.0, np.nan)
    delta = g.delta * nan
    gamma_1pct = g.gamma_per_usd * t.index_price_usd**2 * 0.01 * nan
    vega = g.vega_usd_per_vol_point * nan

    def part(mask: np.ndarray) -> FlowTotals:
        return _totals(mask & inside, t, delta, gamma_1pct, vega)

    everything = part(np.ones(len(t), dtype=bool))
    block = part(t.is_block)
    value = TradeFlow(
        as_of=as_of,
        window_hours=params["window_hours"],
        all=everything,
        screen=part(~t.is_block),
        block=block,
        block_share=block.notional_usd / everything.notional_usd if everything.notional_usd > 0 else None,
        trades_without_iv=int((inside & ~has_iv).sum()),
    )
    reasons = (
        [f"{value.trades_without_iv} trades without an IV are left out of the greeks"]
        if value.trades_without_iv
        else []
    )
    start = as_of - window
    if trades.covered_from is None:
        reasons.append("the trade record does not state from when it is complete")
    elif trades.covered_from > start:
        share = (as_of - trades.covered_from) / window
        reasons.append(
            f"trades complete only from {trades.covered_from:%Y-%m-%d %H:%M} UTC ({share:.0%} of the window)"
        )
    if trades.source.fetched_at < as_of - timedelta(minutes=30):
        reasons.append(f"trades fetched up to {trades.source.fetched_at:%Y-%m-%d %H:%M} UTC only")
    return Result.of(value, sources=(trades.source,), params=params, reasons=reasons, partial=bool(reasons))


@dataclass(frozen=True, eq=False)
class DealerInventory:
    """Dealer position per option (coins; dealers short what customers bought) from trades in ``[since, until]``."""

    since: datetime
    until: datetime
    trades: int
    instrument: tuple[str, ...]
    position_base: np.ndarray
    source: Source | None = None  # the trade record's


def dealer_inventory(trades: OptionTrades, *, since: datetime, until: datetime) -> DealerInventory:
    """Accumulate ``−aggressor × amount`` per instrument over the trades in ``[since, until]``."""
    lo, hi = to_datetime64(utc(since)), to_datetime64(utc(until))
    rows = np.flatnonzero((trades.ts >= lo) & (trades.ts <= hi))
    codes: dict[str, int] = {}
    idx = np.fromiter(
        (codes.setdefault(trades.instrument[i], len(codes)) for i in rows), dtype=np.int64, count=len(rows)
    )
    signed = (trades.aggressor * trades.amount_base)[rows]
    position = -np.bincount(idx, weights=signed, minlength=len(codes))
    return DealerInventory(utc(since), utc(until), len(rows), tuple(codes), position, trades.source)


@dataclass(frozen=True, slots=True)
class InventoryGex:
    """GEX of the estimated dealer inventory (USD per 1 %), its coverage of the chain's OI (fraction), the inventory
    span (days) and trades; ``gex_usd_per_1pct`` is None when coverage or history is too thin (``reasons`` say)."""

    gex_usd_per_1pct: float | None
    gex_if_complete_usd_per_1pct: float
    coverage: float
    history_days: float
    trades: int
    matched_instruments: int


def inventory_gex(inventory: DealerInventory, chain: OptionChain, *, as_of: datetime) -> Result[InventoryGex]:
    """The inventory's GEX on ``chain`` (forwards and mark IVs at ``as_of``) and its coverage (module doc)."""
    as_of = utc(as_of)
    live = chain.select(chain.expiry > to_datetime64(as_of))
    params = {"min_coverage": MIN_COVERAGE, "min_history_days": MIN_HISTORY_DAYS}
    if len(live) == 0:
        return Result.missing("no live option in the chain at as_of", params=params)
    position = dict(zip(inventory.instrument, inventory.position_base, strict=True))
    pos = np.array([position.get(name, 0.0) for name in live.instrument])
    t = years_to_expiry(live.expiry, as_of)
    ok = np.isfinite(live.mark_iv) & (live.mark_iv > 0)
    g = black76_greeks(live.underlying_price_usd, live.strike, t, np.where(ok, live.mark_iv, 0.5), live.is_call)
    gex = np.where(ok, pos * g.gamma_per_usd * live.underlying_price_usd**2 * 0.01, 0.0)
    oi = np.nan_to_num(live.oi_base, nan=0.0).sum()
    coverage = float(np.abs(pos).sum() / oi) if oi > 0 else 0.0
    days = (inventory.until - inventory.since).total_seconds() / DAY_S
    reasons = []
    if days < MIN_HISTORY_DAYS:
        reasons.append(f"flow history {days:.1f} d < {MIN_HISTORY_DAYS:g} d")
    if coverage < MIN_COVERAGE:
        reasons.append(f"flow explains {coverage:.0%} of open interest < {MIN_COVERAGE:.0%}")
    total = float(gex.sum())
    value = InventoryGex(
        gex_usd_per_1pct=None if reasons else total,
        gex_if_complete_usd_per_1pct=total,
        coverage=coverage,
        history_days=days,
        trades=inventory.trades,
        matched_instruments=int((pos != 0).sum()),
    )
    sources = (chain.source,) if inventory.source is None else (chain.source, inventory.source)
    return Result.of(value, sources=sources, params=params, reasons=reasons, partial=bool(reasons))
