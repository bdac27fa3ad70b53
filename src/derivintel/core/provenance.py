"""Provenance: where a figure came from, when it was true, and what is missing.

``Source`` names one observation's origin; ``Gap`` records something that could not be obtained.
A missing figure is a ``Gap``, never a zero or a neutral value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# Staleness budgets in seconds, per observation kind (DOMAIN.md §6).
STALENESS_BUDGET_S: dict[str, int] = {
    "price": 60,
    "funding": 3600,
    "open_interest": 900,
    "orderbook": 60,
    "candles": 3600,
    "long_short": 3600,
    "options": 900,
    "macro": 4 * 86_400,  # daily series, one business day behind, weekends
    "liquidations": 3600,
    "positions": 2 * 3600,  # observed account positions: a polling round of many accounts takes minutes to hours
}


@dataclass(frozen=True, slots=True)
class Source:
    """Origin of an observation.

    ``name`` is the provider (``binance-usdm``, ``deribit``, ``fred``, ``demo``); ``dataset`` the endpoint or
    series (``premiumIndex``, ``VIXCLS``); ``as_of`` the venue's event time of the observation and
    ``fetched_at`` when we received it (``ts_recv``). ``synthetic`` marks offline demo data.
    """

    name: str
    dataset: str
    as_of: datetime
    fetched_at: datetime
    synthetic: bool = False

    @property
    def label(self) -> str:
        """Short human label, e.g. ``binance-usdm/premiumIndex``."""
        return f"{self.name}/{self.dataset}"


class GapKind(StrEnum):
    """Why something is missing."""

    UNAVAILABLE = "unavailable"  # source did not answer (timeout, 5xx, network)
    BLOCKED = "blocked"  # 451/403 from this location
    BAD_PAYLOAD = "bad_payload"  # schema drift, malformed JSON, nulls
    NOT_COVERED = "not_covered"  # no keyless source exists / venue has no such data
    NOT_CONFIGURED = "not_configured"  # keyed source without a key
    INSUFFICIENT_HISTORY = "insufficient_history"


@dataclass(frozen=True, slots=True)
class Gap:
    """Something the snapshot lacks: ``source`` and ``dataset`` name it, ``reason`` says why in words, ``asset`` scopes
    it to one asset (None: every asset, or not asset-specific). The report prints the scope as ``[asset]``."""

    source: str
    dataset: str
    kind: GapKind
    reason: str
    asset: str | None = None

    @property
    def label(self) -> str:
        return f"{self.source}/{self.dataset}"
