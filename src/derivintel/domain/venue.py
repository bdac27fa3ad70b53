"""Venue identifiers and market kinds, typed (plain strings at run time: output and storage are unchanged).

``VenueId`` names the venue an observation comes from: ``binance``, ``bybit``, ``okx``, ``bitget``, ``gate``,
``hyperliquid``, ``deribit`` (each venue's ``VENUE`` constant in ``sources/<venue>/parse.py``), ``deribit_usdc``,
``coinglass-aggregate``; series imported from dumps may carry a provider id (``binance-usdm``) or the dump's own
name (``OKX_swap``), which ``domain.margins.venue_family`` reduces to the venue. It is a ``NewType`` over ``str``:
the value is the string itself, and a type checker tells it from an asset or a symbol.

``Market`` is the kind of instrument a candle series is for: ``perp`` (perpetual swap) or ``spot``. Dated futures
and options have their own types (``DatedFuture``, ``OptionChain``) rather than a market value.
"""

from __future__ import annotations

from typing import Literal, NewType, get_args

VenueId = NewType("VenueId", str)

Market = Literal["perp", "spot"]
MARKETS: tuple[Market, ...] = get_args(Market)
