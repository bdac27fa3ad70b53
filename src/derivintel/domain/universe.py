"""The instrument universe: which base assets have a USD-margined perp on which venue, and how each is listed.

Built from the venues' instrument lists (parsed at the edge, ``sources/<venue>/parse.py``) or, without them, the
built-in ``KNOWN_ASSETS`` with a stated note. Pure data: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from derivintel.core.provenance import Gap

# Venue base names that count a bundle of units: ``1000PEPE`` (Binance/Bybit), ``kPEPE`` (Hyperliquid).
_BUNDLE = re.compile(r"^(1000000|100000|10000|1000|1M|k)(?=[A-Z0-9])")
_BUNDLE_SIZE = {"1000000": 1e6, "1M": 1e6, "100000": 1e5, "10000": 1e4, "1000": 1e3, "k": 1e3}
USD_SETTLE: frozenset[str] = frozenset({"USDT", "USDC"})


def split_bundle(venue_base: str) -> tuple[str, float]:
    """``1000PEPE`` → ``("PEPE", 1000.0)``, ``kBONK`` → ``("BONK", 1000.0)``, ``BTC`` → ``("BTC", 1.0)``.

    The multiplier is how many units of the asset one venue unit (price and quantity) stands for. ``1INCH`` keeps its
    name: only the bundle prefixes above count, and a bare number is not a base."""
    m = _BUNDLE.match(venue_base)
    if m is None or len(venue_base) == len(m[1]):
        return venue_base.upper(), 1.0
    return venue_base[len(m[1]) :].upper(), _BUNDLE_SIZE[m[1]]


@dataclass(frozen=True, slots=True)
class Listing:
    """One USD-margined linear perp of ``asset`` on ``provider``.

    ``symbol`` is the venue's instrument name (``BTCUSDT``, ``BTC-USDT-SWAP``, ``BTC``); ``settle`` its settlement/quote
    coin (USDT or USDC). ``contract_size_base``: coins of ``asset`` per contract (OKX ``ctVal × ctMult``; 1 where
    quantities are in coins). ``unit_multiplier``: units of ``asset`` per venue price unit (1000 for ``1000PEPEUSDT``,
    whose price is per 1000 PEPE). ``funding_interval_hours`` where the list states it (Bybit), else None.
    ``tick_size`` in quote currency per venue unit, None where the list does not state it."""

    provider: str
    asset: str
    symbol: str
    settle: str
    contract_size_base: float = 1.0
    unit_multiplier: float = 1.0
    funding_interval_hours: float | None = None
    tick_size: float | None = None


@dataclass(frozen=True, slots=True)
class Universe:
    """Every listing known, which venues' lists answered, and what is missing.

    ``covered`` names the providers whose instrument list was read: for them an asset without a listing has no perp
    there. A provider not covered (its list failed) falls back to its declared symbol template. ``builtin`` marks the
    fallback universe (no list read at all): its assets are ``KNOWN_ASSETS``. ``as_of`` is when the lists were
    fetched (None for the built-in one); ``notes`` say in words where the universe came from."""

    listings: tuple[Listing, ...] = ()
    covered: frozenset[str] = frozenset()
    as_of: datetime | None = None
    gaps: tuple[Gap, ...] = ()
    notes: tuple[str, ...] = ()
    builtin_assets: frozenset[str] = frozenset()
    _by_key: Mapping[tuple[str, str], Listing] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], Listing] = {}
        for item in self.listings:
            # prefer the USDT listing, then the one without a bundle multiplier (first seen otherwise)
            key = (item.provider, item.asset)
            held = index.get(key)
            if held is None or _rank(item) < _rank(held):
                index[key] = item
        object.__setattr__(self, "_by_key", index)

    @property
    def builtin(self) -> bool:
        return not self.covered

    @property
    def assets(self) -> frozenset[str]:
        """Base assets with a USD-margined perp on at least one covered venue (plus the built-in ones)."""
        return frozenset(a for _p, a in self._by_key) | self.builtin_assets

    def listing(self, provider: str, asset: str) -> Listing | None:
        """The listing of ``asset`` on ``provider`` (USDT preferred over USDC), None if not listed or not covered."""
        return self._by_key.get((provider, asset))

    def listed_on(self, asset: str) -> tuple[str, ...]:
        """Providers (covered) listing ``asset``, sorted."""
        return tuple(sorted(p for p, a in self._by_key if a == asset))

    def lacks(self, provider: str, asset: str) -> bool:
        """True when ``provider``'s list was read and has no perp of ``asset`` (the venue is then not asked)."""
        return provider in self.covered and (provider, asset) not in self._by_key

    def skip_reason(self, provider: str, asset: str) -> str | None:
        """Why ``provider`` is not asked about ``asset`` (None: ask it). Only a covered venue is ever skipped: when its
        list has no USD-margined perp of ``asset``. A listing in bundles of units (``1000PEPEUSDT``) is asked, and
        its observations are restated per coin (``domain.rescale``)."""
        if provider in self.covered and self.listing(provider, asset) is None:
            return f"{asset}: no USD-margined perp listed on {provider} (its instrument list)"
        return None

    @classmethod
    def from_lists(
        cls,
        lists: Mapping[str, Iterable[Listing]],
        *,
        as_of: datetime | None,
        gaps: Iterable[Gap] = (),
        notes: Iterable[str] = (),
    ) -> Universe:
        """The universe of the venue lists that answered (``provider → listings``)."""
        listings = tuple(item for provider in sorted(lists) for item in lists[provider])
        return cls(listings, frozenset(lists), as_of, tuple(gaps), tuple(notes))

    @classmethod
    def builtin_of(cls, assets: Iterable[str], note: str, gaps: Iterable[Gap] = ()) -> Universe:
        """The fallback universe: ``assets`` (the built-in list), no venue list read, with the reason."""
        return cls(builtin_assets=frozenset(assets), gaps=tuple(gaps), notes=(note,))


def _rank(item: Listing) -> tuple[int, int]:
    return (0 if item.settle == "USDT" else 1, 0 if item.unit_multiplier == 1.0 else 1)
