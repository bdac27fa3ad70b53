"""Gate USDT-settled perpetual futures (API v4, ``/futures/usdt``): declarations, parsers, assembly.

Keyless. Read: the contract (mark, index, funding rate and interval, quanto multiplier, long open interest),
tickers (per contract and all at once), settled funding, 1h candlesticks, order book, and ``contract_stats`` (OI
history in contracts and USD, account and top-trader long/short ratios). Contract quantities are in CONTRACTS of
``quanto_multiplier`` coins; every size is converted to coins here.
"""
