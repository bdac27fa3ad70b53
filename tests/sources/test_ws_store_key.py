"""What the history store's liquidation key does with websocket events (``store/schema.py`` LIQUIDATIONS key:
venue, asset, ts_event, side, price_usd, size_base)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from derivintel.sources.bybit.ws import parse as parse_bybit
from derivintel.store import HistoryStore

RECV = datetime(2024, 6, 1, 7, 0, 1, tzinfo=UTC)
ENTRY = {"T": 1717225200512, "s": "BTCUSDT", "S": "Buy", "v": "0.250", "p": "66900.0"}


def _batch(*entries: dict) -> str:
    return json.dumps({"topic": "allLiquidation.BTCUSDT", "type": "snapshot", "ts": 1717225200600, "data": entries})


def test_redelivered_message_is_stored_once_and_different_events_are_kept(tmp_path: Path) -> None:
    other_ms = {**ENTRY, "T": ENTRY["T"] + 1}  # 1 ms later: a different event
    other_size = {**ENTRY, "v": "0.251"}  # same ms, other size: a different event
    events = parse_bybit(_batch(ENTRY, other_ms, other_size), ["BTC"], RECV).events
    with HistoryStore(tmp_path / "h.duckdb") as st:
        assert st.write_liquidations(events) == 3
        # the same message delivered again (reconnect replay) adds nothing
        assert st.write_liquidations(parse_bybit(_batch(ENTRY), ["BTC"], RECV).events) == 0
        assert st.row_counts()["liquidations"] == 3


def test_two_identical_entries_of_one_message_are_two_events(tmp_path: Path) -> None:
    events = parse_bybit(_batch(ENTRY, dict(ENTRY)), ["BTC"], RECV).events
    assert len(events) == 2  # the parser keeps both
    with HistoryStore(tmp_path / "h.duckdb") as st:
        st.write_liquidations(events)
        assert st.row_counts()["liquidations"] == 2
