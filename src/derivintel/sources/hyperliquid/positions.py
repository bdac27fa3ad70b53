"""Hyperliquid public positions: address discovery from trades and account states (``clearinghouseState``).

Declared as data: the two info requests, and the venue's published REST rate limits (per IP, all REST requests
share one weight budget per minute; https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits):
``clearinghouseState`` weighs 2, ``recentTrades`` 20 plus 1 per 20 trades returned, the budget is 1200 per minute.

Parsers are pure: bytes in, domain types out; every schema problem raises ``BadPayloadError``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import datetime

from derivintel.domain.positions import AccountState, AddressSighting, MarginSummary, ObservedPosition
from derivintel.domain.venue import VenueId
from derivintel.sources.declarations import Endpoint
from derivintel.sources.payload import (
    Where,
    as_list,
    field,
    load_json,
    make_source,
    positive,
    to_dt,
    to_float,
    to_float_or_none,
)

PROVIDER = "hyperliquid"
VENUE = VenueId("hyperliquid")
ADDRESS_RE = re.compile(r"^0x[0-9a-f]{40}$")


@dataclass(frozen=True, slots=True)
class InfoWeights:
    """Hyperliquid's REST limits as published: ``budget_per_min`` weight per minute per IP, shared by every REST
    request; ``clearinghouse_state`` weight of one account read; ``recent_trades`` base weight plus one per
    ``recent_trades_items_per_unit`` trades returned; ``other_info`` every other documented info request
    (``metaAndAssetCtxs``)."""

    budget_per_min: int = 1200
    clearinghouse_state: int = 2
    recent_trades: int = 20
    recent_trades_items_per_unit: int = 20
    other_info: int = 20
    doc_url: str = "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits"

    def recent_trades_weight(self, n_items: int) -> int:
        """Weight charged for a ``recentTrades`` answer of ``n_items`` trades (rounded up, conservatively)."""
        return self.recent_trades + math.ceil(max(0, n_items) / self.recent_trades_items_per_unit)


INFO_WEIGHTS = InfoWeights()

CLEARINGHOUSE_STATE = Endpoint(
    "hyperliquid",
    "clearinghouseState",
    "/info",
    method="POST",
    body={"type": "clearinghouseState", "user": "{user}"},
    per_asset=False,
    kind="positions",
    units="assetPositions[].position {szi coin signed, entryPx/liquidationPx USD or null, positionValue USD}",
    fixture="clearinghouseState.json",
)
RECENT_TRADES = Endpoint(
    "hyperliquid",
    "recentTrades",
    "/info",
    method="POST",
    body={"type": "recentTrades", "coin": "{symbol}"},
    kind="trades",
    units="[{coin, side, px USD, sz coin, time ms, users [buyer, seller]}]",
    fixture="recentTrades.json",
)
POSITION_ENDPOINTS: tuple[Endpoint, ...] = (CLEARINGHOUSE_STATE, RECENT_TRADES)


def normalise_address(raw: object) -> str | None:
    """Lower-case ``0x`` + 40 hex digits, or None when ``raw`` is not an address (placeholders, vaults' names)."""
    if not isinstance(raw, str):
        return None
    text = raw.strip().lower()
    return text if ADDRESS_RE.match(text) else None


def _position(obj: object, where: Where, i: int) -> ObservedPosition:
    at = f"assetPositions[{i}].position"
    pos = field(obj, "position", where)
    lev = field(pos, "leverage", where)
    lev_type = field(lev, "type", where)
    if lev_type not in ("cross", "isolated"):
        raise where.fail(f"{at}.leverage.type: expected cross or isolated, got {lev_type!r}")
    size = to_float(field(pos, "szi", where), where, f"{at}.szi")
    if size == 0:
        raise where.fail(f"{at}.szi: an open position cannot have size 0")
    liq = to_float_or_none(field(pos, "liquidationPx", where), where, f"{at}.liquidationPx")
    return ObservedPosition(
        coin=str(field(pos, "coin", where)),
        size_base=size,
        entry_price_usd=positive(to_float(field(pos, "entryPx", where), where, f"{at}.entryPx"), where, "entryPx"),
        liquidation_price_usd=positive(liq, where, f"{at}.liquidationPx") if liq is not None else None,
        leverage=positive(to_float(field(lev, "value", where), where, f"{at}.leverage.value"), where, "leverage"),
        is_cross=lev_type == "cross",
        margin_used_usd=to_float(field(pos, "marginUsed", where), where, f"{at}.marginUsed"),
        position_value_usd=to_float(field(pos, "positionValue", where), where, f"{at}.positionValue"),
    )


def parse_clearinghouse_state(body: bytes, *, address: str, ts_recv: datetime) -> AccountState:
    """``clearinghouseState`` → ``AccountState`` of ``address``.

    ``time`` (ms) is the event time when present (newer responses carry it); otherwise ``ts_recv``. The margin
    summary is the account-wide ``marginSummary`` (``accountValue``, ``totalNtlPos``, ``totalMarginUsed``).
    """
    where = Where(PROVIDER, "clearinghouseState")
    addr = normalise_address(address)
    if addr is None:
        raise where.fail(f"not a Hyperliquid address: {address!r}")
    obj = load_json(body, where)
    rows = as_list(field(obj, "assetPositions", where), where, "assetPositions")
    positions = tuple(_position(r, where, i) for i, r in enumerate(rows))
    summary = field(obj, "marginSummary", where)
    margin = MarginSummary(
        account_value_usd=to_float(field(summary, "accountValue", where), where, "marginSummary.accountValue"),
        total_notional_usd=to_float(field(summary, "totalNtlPos", where), where, "marginSummary.totalNtlPos"),
        total_margin_used_usd=to_float(
            field(summary, "totalMarginUsed", where), where, "marginSummary.totalMarginUsed"
        ),
        withdrawable_usd=to_float_or_none(obj.get("withdrawable"), where, "withdrawable"),
    )
    as_of = to_dt(obj["time"], where, "time") if "time" in obj else ts_recv
    return AccountState(addr, positions, margin, make_source(where, as_of, ts_recv))


@dataclass(frozen=True, slots=True)
class TradesRead:
    """Sightings from a batch of trades, and how many ``users`` entries were not addresses (skipped)."""

    sightings: tuple[AddressSighting, ...]
    trades: int
    not_addresses: int


def trade_sightings(row: object, *, coin: str, where: Where, at: str) -> tuple[list[AddressSighting], int]:
    """One trade (REST ``recentTrades`` entry or websocket ``trades`` entry) → its sightings and the number of
    ``users`` entries that are not addresses. Raises ``BadPayloadError`` naming ``at`` on a schema problem.

    ``users`` is ``[buyer, seller]``; the trade's notional ``px × sz`` (USD) ranks addresses by activity."""
    got = field(row, "coin", where)
    if got != coin:
        raise where.fail(f"{at} is for {got!r}, expected {coin!r}")
    px = positive(to_float(field(row, "px", where), where, f"{at}.px"), where, f"{at}.px")
    sz = positive(to_float(field(row, "sz", where), where, f"{at}.sz"), where, f"{at}.sz")
    seen = to_dt(field(row, "time", where), where, f"{at}.time")
    tid = str(field(row, "tid", where))
    users = as_list(field(row, "users", where), where, f"{at}.users")
    if len(users) != 2:
        raise where.fail(f"{at}.users: expected [buyer, seller], got {len(users)} entries")
    out: list[AddressSighting] = []
    skipped = 0
    for u in users:
        addr = normalise_address(u)
        if addr is None:
            skipped += 1
            continue
        out.append(AddressSighting(addr, coin, seen, px * sz, tid))
    return out, skipped


def parse_recent_trades(body: bytes, *, coin: str) -> TradesRead:
    """``recentTrades`` (REST) → one sighting per (trade, user), keyed by ``tid`` (see ``trade_sightings``);
    entries of ``users`` that are not ``0x`` + 40 hex addresses are counted and skipped."""
    where = Where(PROVIDER, "recentTrades")
    out: list[AddressSighting] = []
    skipped = 0
    rows = as_list(load_json(body, where), where, "trades")
    for i, row in enumerate(rows):
        found, not_addresses = trade_sightings(row, coin=coin, where=where, at=f"[{i}]")
        out += found
        skipped += not_addresses
    return TradesRead(tuple(out), len(rows), skipped)


FILLS_COLUMNS = ("time", "user", "coin", "px", "sz")


def parse_historical_fills_csv(text: str) -> TradesRead:
    """Hyperliquid's public historical trades CSV (``time,user,coin,side,px,sz,crossed``; ISO time) → sightings."""
    where = Where(PROVIDER, "historical_trades_csv")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in FILLS_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise where.fail(f"columns missing: {', '.join(missing)}")
    out: list[AddressSighting] = []
    skipped = n = 0
    for i, row in enumerate(reader):
        n += 1
        try:
            seen = datetime.fromisoformat(row["time"].replace("Z", "+00:00"))
        except ValueError as exc:
            raise where.fail(f"row {i}: time {row['time']!r} is not ISO-8601") from exc
        if seen.tzinfo is None:
            raise where.fail(f"row {i}: time {row['time']!r} has no UTC offset")
        px = to_float(row["px"], where, f"row {i}.px")
        sz = to_float(row["sz"], where, f"row {i}.sz")
        addr = normalise_address(row["user"])
        if addr is None:
            skipped += 1
            continue
        trade_id = "|".join(row.get(k) or "" for k in ("time", "coin", "side", "px", "sz"))
        out.append(AddressSighting(addr, row["coin"], seen, abs(px * sz), trade_id))
    return TradesRead(tuple(out), n, skipped)
