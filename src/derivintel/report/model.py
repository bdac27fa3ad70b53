"""The report model: one JSON tree that every renderer reads. No renderer computes a number.

A ``Metric`` is the only place a number lives. Phase text and table cells refer to metrics by ``key``; the
Markdown renderer formats them with ``report.format``, so every printed number traces back to a metric.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from derivintel.domain.venue import VenueId

MetricValue = float | int | str | bool | None
Unit = Literal[
    "usd",  # a price level in USD
    "usd_notional",  # an amount of money in USD (compact display: $1.2B)
    "usd_per_1pct",  # dealer gamma exposure: USD per 1% move
    "fraction",  # a signed change, 0.05 = +5%
    "share",  # an unsigned proportion, 0.54 = 54%
    "fraction_per_hour",  # funding rate per hour
    "fraction_per_year",  # simple annualised rate
    "iv",  # implied volatility, fraction
    "iv_spread",  # a signed difference of volatilities, fraction (0.05 = 5 vol points)
    "ratio",  # dimensionless ratio (put/call, long/short)
    "zscore",
    "score",  # bounded heuristic score
    "base",  # amount in coins of the asset
    "count",
    "days",
    "index_points",
    "usd_per_barrel",
    "btc_per_eth",
    "label",  # a categorical value (bias, regime, quadrant)
]
StatusName = Literal["ok", "partial", "insufficient_data"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Metric(_Frozen):
    """One figure with its unit and provenance. ``value`` is None when missing; ``note`` then says why."""

    key: str = Field(description="stable dotted key, e.g. positioning.oi.total_usd")
    label: str
    value: MetricValue
    unit: Unit
    source: str = Field(description="provider/dataset list, or 'derived' with inputs")
    as_of: datetime | None = Field(description="time the underlying observation was true (UTC)")
    status: StatusName = "ok"
    note: str | None = None


class Cell(_Frozen):
    """A table cell: plain text (no figures) or a reference to a metric by key."""

    text: str | None = None
    metric: str | None = None


class Table(_Frozen):
    columns: list[str]
    rows: list[list[Cell]]


class Phase(_Frozen):
    number: int
    title: str
    headline: str = Field(description="one-line assessment, e.g. 'Assessment: Risk-Off.'")
    summary: str
    tables: list[Table]
    reasoning: str
    metrics: list[Metric]
    status: StatusName


class FreshnessEntry(_Frozen):
    source: str
    as_of: datetime
    fetched_at: datetime
    age_s: float = Field(description="as_of of the report minus the observation time, seconds")
    budget_s: float
    stale: bool


class GapEntry(_Frozen):
    source: str
    kind: str
    reason: str
    asset: str | None = None


# ---- chart data: series the HTML report and the dashboard plot (renderers compute no numbers) ----------------------

LevelGroup = Literal["avwap", "volume_profile", "range", "liquidation", "options", "plan", "other"]


class PriceBars(_Frozen):
    """OHLCV bars resampled for display. ``ts`` is each bar's open (UTC); prices in USD, volume in coins."""

    venue: VenueId
    market: str
    interval_s: int
    ts: list[datetime]
    open_usd: list[float]
    high_usd: list[float]
    low_usd: list[float]
    close_usd: list[float]
    volume_base: list[float]
    source: str


class ChartLevel(_Frozen):
    """A horizontal price level drawn on the price chart; ``metric`` is the report metric it comes from."""

    metric: str
    label: str
    group: LevelGroup
    price_usd: float
    source: str


class PriceChart(_Frozen):
    bars: PriceBars
    levels: list[ChartLevel]


class OpenInterestHistory(_Frozen):
    """Single-sided OI of one venue, last sample per display bucket: ``oi_usd`` in USD, ``oi_base`` in coins."""

    venue: VenueId
    ts: list[datetime]
    oi_usd: list[float]
    oi_base: list[float]
    source: str


class FundingHistory(_Frozen):
    """Settled funding of one venue: ``rate_1h`` is the per-hour fraction at settlement time ``ts``. Venues settling
    more often than every ``bucket_hours`` are averaged per bucket (``ts`` = the bucket's last settlement)."""

    venue: VenueId
    interval_hours: float = Field(description="settlement interval of the latest observation, hours")
    bucket_hours: float = Field(description="display bucket; equal to interval_hours when rates are per settlement")
    ts: list[datetime]
    rate_1h: list[float]
    source: str


class LiquidationHeatmap(_Frozen):
    """Modelled liquidation notional by price bin (a model, not observed positions)."""

    label: str
    reference_price_usd: float
    bin_width_usd: float
    bin_center_usd: list[float]
    long_notional_usd: list[float]
    short_notional_usd: list[float]
    source: str


class GexProfile(_Frozen):
    """Dealer gamma exposure: net GEX per strike and the total GEX swept over spot levels (USD per 1% move)."""

    scenario: str
    spot_usd: float
    gamma_flip_usd: float | None
    strike_usd: list[float]
    net_gex_usd_per_1pct: list[float]
    sweep_spot_usd: list[float]
    sweep_gex_usd_per_1pct: list[float]
    source: str


class PainCurve(_Frozen):
    """Option writers' payout (USD) if the headline expiry settled at each listed strike; the minimum is max pain."""

    expiry: str
    strike_usd: list[float]
    pain_usd: list[float]
    max_pain_usd: float | None
    spot_usd: float
    source: str


class OptionsOpenInterest(_Frozen):
    """Option open interest (coins, single-sided) of every venue with OI pooled: by strike and by expiry, calls and
    puts apart; ``venues`` lists the venues pooled."""

    venues: list[str]
    strike_usd: list[float]
    call_oi_by_strike_base: list[float]
    put_oi_by_strike_base: list[float]
    expiry: list[datetime]
    call_oi_by_expiry_base: list[float]
    put_oi_by_expiry_base: list[float]
    source: str


class IvSmile(_Frozen):
    """Implied volatility (fraction) by strike for one expiry."""

    expiry: str
    days_to_expiry: float
    forward_usd: float
    strike_usd: list[float]
    iv: list[float]
    source: str


class IvTermStructure(_Frozen):
    """ATM implied volatility (fraction) by days to expiry."""

    days_to_expiry: list[float]
    atm_iv: list[float]
    source: str


class BasisCurveVenue(_Frozen):
    """One venue's dated futures: days to expiry and annualised basis (fraction per year) per contract."""

    venue: VenueId
    symbols: list[str]
    days_to_expiry: list[float]
    basis_annualised: list[float]


class BasisCurveChart(_Frozen):
    """The dated-futures basis curve: per venue, the composite (median per expiry) and the 3-month point."""

    venues: list[BasisCurveVenue]
    composite_days: list[float]
    composite_basis_annualised: list[float]
    cm_3m_days: float
    cm_3m_basis_annualised: float
    cm_3m_extrapolated: bool
    shape: str
    source: str


class VolumeProfileChart(_Frozen):
    """Volume (coins) per price bin over the profile window, with POC and value area (USD)."""

    window_start: datetime
    window_end: datetime
    bin_center_usd: list[float]
    volume_base: list[float]
    poc_usd: float
    val_usd: float
    vah_usd: float
    source: str


class Charts(_Frozen):
    """Everything the charts need, for the primary asset. A chart that could not be built is None (or empty) and
    ``missing`` says why."""

    price: PriceChart | None = None
    open_interest: list[OpenInterestHistory] = Field(default_factory=list)
    funding: list[FundingHistory] = Field(default_factory=list)
    liquidation_map: LiquidationHeatmap | None = None
    observed_liquidation_map: LiquidationHeatmap | None = Field(
        default=None, description="observed positions' liquidation levels (Hyperliquid), on the modelled map's grid"
    )
    gex: GexProfile | None = None
    pain_curve: PainCurve | None = None
    options_oi: OptionsOpenInterest | None = Field(
        default=None, description="option OI by strike and by expiry, all option venues with OI pooled"
    )
    iv_smiles: list[IvSmile] = Field(default_factory=list)
    iv_term: IvTermStructure | None = None
    volume_profile: VolumeProfileChart | None = None
    basis_curve: BasisCurveChart | None = None
    missing: dict[str, str] = Field(default_factory=dict, description="chart name → why it is absent")


class Report(_Frozen):
    """A complete ten-phase report."""

    schema_version: Literal["1"] = "1"
    symbol: str
    secondary: list[str]
    as_of: datetime
    generated_at: datetime
    synthetic: bool = Field(description="True only for the offline demo scenario")
    banner: str | None = Field(description="SYNTHETIC DEMO DATA notice when synthetic")
    tldr: str
    phases: list[Phase]
    data_limitations: list[str]
    gaps: list[GapEntry]
    freshness: list[FreshnessEntry]
    parameters: dict[str, str | float | int | bool]
    charts: Charts = Field(default_factory=Charts, description="chart series for the HTML report and dashboard")

    def metric(self, key: str) -> Metric:
        """The metric with ``key`` from any phase; ``KeyError`` if absent."""
        for phase in self.phases:
            for metric in phase.metrics:
                if metric.key == key:
                    return metric
        raise KeyError(key)

    def all_metrics(self) -> list[Metric]:
        return [m for phase in self.phases for m in phase.metrics]
