"""Bitget USDT-margined perpetuals (v2 mix API, ``productType=USDT-FUTURES``): declarations, parsers, assembly.

Keyless. Published and read: tickers (per symbol and all at once), current and settled funding, 1h candles, merged
order book, account long/short. Not published by Bitget's keyless v2 mix API: open-interest HISTORY (only the
current ``/open-interest`` figure, used by the doctor check) — Bitget OI history exists only where we store it.
Liquidation stream: not implemented here (no ``ws.py``); Bitget's public liquidation channel is documented for its
unified-account (UTA) websocket only, and no recording of it was found to build a parser on.
"""
