"""Options analytics on Deribit chains (report phase 5): greeks, max pain, put/call, skew, GEX, OI flow."""

from derivintel.analytics.options.chain_analysis import ChainAnalysis, ChainSummary, ExpiryAnalysis, analyze_chain
from derivintel.analytics.options.flow import OiFlow, oi_flow
from derivintel.analytics.options.gex import DealerScenario

__all__ = [
    "ChainAnalysis",
    "ChainSummary",
    "DealerScenario",
    "ExpiryAnalysis",
    "OiFlow",
    "analyze_chain",
    "oi_flow",
]
