"""Websocket streams: realised liquidations from Binance USD-M, Bybit and OKX (pure parsers + async collector)."""

from derivintel.sources.ws.collector import Backoff, CollectorStatus, LiquidationCollector, VenueStatus
from derivintel.sources.ws.liquidations import (
    STREAMS,
    ParsedMessage,
    VenueStream,
    parse_binance,
    parse_bybit,
    parse_okx,
    streams_for,
)

__all__ = [
    "STREAMS",
    "Backoff",
    "CollectorStatus",
    "LiquidationCollector",
    "ParsedMessage",
    "VenueStatus",
    "VenueStream",
    "parse_binance",
    "parse_bybit",
    "parse_okx",
    "streams_for",
]
