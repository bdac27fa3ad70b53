"""Hyperliquid's ``derivintel doctor`` declaration: its funding interval (checked against its settlements)."""

from __future__ import annotations

from derivintel.sources.checks import FundingCheck
from derivintel.sources.hyperliquid.endpoints import PROVIDER
from derivintel.sources.hyperliquid.parse import VENUE

FUNDING = FundingCheck(VENUE, f"{PROVIDER.name}/fundingHistory", "hourly (docs)")
