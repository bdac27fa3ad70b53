"""The market scanner: per-perp rows, per-base-asset aggregates across venues and ranked views (pure)."""

from derivintel.analytics.scanner.compute import scan_market
from derivintel.analytics.scanner.model import AssetScan, PerpScan, ScanHistory, ScanResult, base_key

__all__ = ["AssetScan", "PerpScan", "ScanHistory", "ScanResult", "base_key", "scan_market"]
