"""Assets the product knows, and validation of user-given symbols."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection

from derivintel.core.errors import UserInputError
from derivintel.domain.universe import Universe, split_bundle

# Built-in base assets (USD-margined perps on the keyless venues): the universe when no venue instrument list can be
# read. Options exist on Deribit for BTC and ETH only.
KNOWN_ASSETS: frozenset[str] = frozenset({"BTC", "ETH", "SOL", "XRP", "BNB", "DOGE"})
OPTION_ASSETS: frozenset[str] = frozenset({"BTC", "ETH"})
_SUFFIXES = ("USDT", "USDC", "USD", "-PERP", "PERP")
_MAX_SUGGESTIONS = 3


def did_you_mean(name: str, candidates: Collection[str]) -> list[str]:
    """Up to three candidates closest to ``name`` (difflib ratio ≥ 0.6), best first."""
    return difflib.get_close_matches(name.upper(), sorted(candidates), n=_MAX_SUGGESTIONS, cutoff=0.6)


def _unknown(symbol: str, base: str, candidates: Collection[str]) -> UserInputError:
    close = did_you_mean(base, candidates) or did_you_mean(symbol.strip().upper(), candidates)
    if close:
        return UserInputError(f"unknown symbol {symbol!r}: did you mean {', '.join(close)}?")
    shown = sorted(candidates)
    listed = ", ".join(shown[:12]) + (f" … ({len(shown)} in all)" if len(shown) > 12 else "")
    return UserInputError(f"unknown symbol {symbol!r}: no listed perp by that name (known: {listed})")


def normalise_asset(symbol: str, universe: Universe | None = None) -> str:
    """Turn ``btc``, ``BTCUSDT``, ``BTC-PERP`` into ``BTC``; raise ``UserInputError`` for anything unknown.

    The known assets are ``universe.assets`` when a universe is given (the venues' instrument lists, loaded by the
    app), else the built-in ``KNOWN_ASSETS``. Unknown names get "did you mean" suggestions from the same set."""
    candidates = KNOWN_ASSETS if universe is None else universe.assets
    raw = symbol.strip().upper()
    if not re.fullmatch(r"[A-Z0-9\-]{2,20}", raw):
        raise _unknown(symbol, raw, candidates)
    if raw in candidates:
        return raw
    base = raw
    for suffix in _SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)].rstrip("-")
            break
    if base not in candidates and base[:1].isdigit():  # a venue's bundle name: 1000PEPE → PEPE
        base = split_bundle(base)[0]
    if base not in candidates:
        raise _unknown(symbol, base, candidates)
    return base


def default_secondary(primary: str) -> tuple[str, ...]:
    """The tactical phase's default secondary asset: ETH for BTC, BTC for everything else."""
    return ("ETH",) if primary == "BTC" else ("BTC",)
