"""Macro regime (report phase 3): VIX, NASDAQ and BTC correlation, dollar, oil, stablecoin supply, dominance."""

from derivintel.analytics.macro.correlation import (
    Correlation,
    DailySeries,
    aligned_log_returns,
    log_return_correlation,
)
from derivintel.analytics.macro.regime import (
    DEFAULT_RULES,
    DEFAULT_SPECS,
    ComponentSpec,
    MacroComponent,
    MacroParams,
    MacroRegime,
    Rule,
    Signal,
    analyze_macro,
    regime_score,
)

__all__ = [
    "DEFAULT_RULES",
    "DEFAULT_SPECS",
    "ComponentSpec",
    "Correlation",
    "DailySeries",
    "MacroComponent",
    "MacroParams",
    "MacroRegime",
    "Rule",
    "Signal",
    "aligned_log_returns",
    "analyze_macro",
    "log_return_correlation",
    "regime_score",
]
