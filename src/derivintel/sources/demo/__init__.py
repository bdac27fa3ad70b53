"""Offline demo scenario: a synthetic, seeded, internally consistent ``MarketSnapshot`` of ten assets (never live
data)."""

from derivintel.sources.demo.scenario import DEMO_AS_OF, DEMO_ASSETS, DEMO_GAPS, build_demo_snapshot

__all__ = ["DEMO_ASSETS", "DEMO_AS_OF", "DEMO_GAPS", "build_demo_snapshot"]
