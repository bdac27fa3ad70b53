"""Assets the product knows, and validation of user-given symbols."""

from __future__ import annotations

import re

from derivintel.core.errors import UserInputError

# Base assets with USD-margined perps on the keyless venues. Options exist on Deribit for BTC and ETH only.
KNOWN_ASSETS: frozenset[str] = frozenset({"BTC", "ETH", "SOL", "XRP", "BNB", "DOGE"})
OPTION_ASSETS: frozenset[str] = frozenset({"BTC", "ETH"})
_SUFFIXES = ("USDT", "USDC", "USD", "-PERP", "PERP")


def normalise_asset(symbol: str) -> str:
    """Turn ``btc``, ``BTCUSDT``, ``BTC-PERP`` into ``BTC``; raise ``UserInputError`` for anything unknown."""
    raw = symbol.strip().upper()
    if not re.fullmatch(r"[A-Z0-9\-]{2,16}", raw):
        raise UserInputError(f"unknown symbol {symbol!r}: expected one of {', '.join(sorted(KNOWN_ASSETS))}")
    base = raw
    for suffix in _SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)].rstrip("-")
            break
    if base not in KNOWN_ASSETS:
        raise UserInputError(f"unknown symbol {symbol!r}: expected one of {', '.join(sorted(KNOWN_ASSETS))}")
    return base
