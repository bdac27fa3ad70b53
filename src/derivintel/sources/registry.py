"""Registry: every provider and endpoint this package knows (the capability list), and request planning."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from derivintel.domain.venue import VenueId
from derivintel.sources.assembly import Assembly
from derivintel.sources.binance import assemble as binance_asm
from derivintel.sources.binance import checks as binance_checks
from derivintel.sources.binance import endpoints as binance
from derivintel.sources.binance import history as binance_hist
from derivintel.sources.binance import options_assemble as binance_opt_asm
from derivintel.sources.binance import parse as binance_parse
from derivintel.sources.binance import vision as binance_vision
from derivintel.sources.binance import ws as binance_ws
from derivintel.sources.bitget import assemble as bitget_asm
from derivintel.sources.bitget import checks as bitget_checks
from derivintel.sources.bitget import endpoints as bitget
from derivintel.sources.bitget import history as bitget_hist
from derivintel.sources.bitget import parse as bitget_parse
from derivintel.sources.bulk import BulkScan
from derivintel.sources.bybit import assemble as bybit_asm
from derivintel.sources.bybit import checks as bybit_checks
from derivintel.sources.bybit import endpoints as bybit
from derivintel.sources.bybit import history as bybit_hist
from derivintel.sources.bybit import options_assemble as bybit_opt_asm
from derivintel.sources.bybit import parse as bybit_parse
from derivintel.sources.bybit import ws as bybit_ws
from derivintel.sources.checks import FundingCheck, VenueChecks
from derivintel.sources.coingecko import assemble as coingecko_asm
from derivintel.sources.coingecko import endpoints as coingecko
from derivintel.sources.coinglass import assemble as coinglass_asm
from derivintel.sources.coinglass import endpoints as coinglass
from derivintel.sources.cryptoquant import assemble as cryptoquant_asm
from derivintel.sources.cryptoquant import endpoints as cryptoquant
from derivintel.sources.declarations import Endpoint, InstrumentList, Paging, Provider
from derivintel.sources.defillama import assemble as defillama_asm
from derivintel.sources.defillama import endpoints as defillama
from derivintel.sources.deribit import assemble as deribit_asm
from derivintel.sources.deribit import chain_file as deribit_chain_file
from derivintel.sources.deribit import endpoints as deribit
from derivintel.sources.deribit import parse as deribit_parse
from derivintel.sources.dumps import DumpFormat
from derivintel.sources.fred import assemble as fred_asm
from derivintel.sources.fred import endpoints as fred
from derivintel.sources.gate import assemble as gate_asm
from derivintel.sources.gate import checks as gate_checks
from derivintel.sources.gate import endpoints as gate
from derivintel.sources.gate import parse as gate_parse
from derivintel.sources.gate import ws as gate_ws
from derivintel.sources.hyperliquid import assemble as hyperliquid_asm
from derivintel.sources.hyperliquid import checks as hyperliquid_checks
from derivintel.sources.hyperliquid import endpoints as hyperliquid
from derivintel.sources.hyperliquid import parse as hyperliquid_parse
from derivintel.sources.okx import assemble as okx_asm
from derivintel.sources.okx import checks as okx_checks
from derivintel.sources.okx import endpoints as okx
from derivintel.sources.okx import history as okx_hist
from derivintel.sources.okx import options_assemble as okx_opt_asm
from derivintel.sources.okx import parse as okx_parse
from derivintel.sources.okx import ws as okx_ws
from derivintel.sources.stream_model import VenueStream
from derivintel.sources.tardis import options_chain as tardis_options_chain
from derivintel.sources.tardis import perp as tardis_perp

PROVIDERS: Mapping[str, Provider] = {
    p.name: p
    for p in (
        binance.USDM,
        binance.COINM,
        binance.SPOT,
        bybit.PROVIDER,
        okx.PROVIDER,
        hyperliquid.PROVIDER,
        bitget.PROVIDER,
        gate.PROVIDER,
        deribit.PROVIDER,
        okx.OPTIONS_PROVIDER,
        bybit.OPTIONS_PROVIDER,
        binance.OPTIONS,
        coingecko.PROVIDER,
        defillama.PROVIDER,
        fred.PROVIDER,
    )
}
# Keyed providers: asked only when a key is configured (``SourceConfig.api_keys``); kept out of ``PROVIDERS`` /
# ``ENDPOINTS`` (the keyless snapshot plan) and added by ``plan`` for the providers with a key.
KEYED_PROVIDERS: Mapping[str, Provider] = {p.name: p for p in (coinglass.PROVIDER, cryptoquant.PROVIDER)}
ALL_PROVIDERS: Mapping[str, Provider] = {**PROVIDERS, **KEYED_PROVIDERS}
# Venue package (tests/fixtures/<venue>/) of each provider.
FIXTURE_DIR: Mapping[str, str] = {name: name.split("-")[0] for name in ALL_PROVIDERS}

ENDPOINTS: tuple[Endpoint, ...] = (
    *binance.ENDPOINTS,
    *bybit.ENDPOINTS,
    *okx.ENDPOINTS,
    *hyperliquid.ENDPOINTS,
    *bitget.ENDPOINTS,
    *gate.ENDPOINTS,
    *deribit.ENDPOINTS,
    *okx.OPTION_ENDPOINTS,
    *bybit.OPTION_ENDPOINTS,
    *binance.OPTION_ENDPOINTS,
    *coingecko.ENDPOINTS,
    *defillama.ENDPOINTS,
    *fred.ENDPOINTS,
)

KEYED_ENDPOINTS: tuple[Endpoint, ...] = (*coinglass.ENDPOINTS, *cryptoquant.ENDPOINTS)

# Every perp of a venue in one or two requests (market-wide; not in the per-asset snapshot plan): the bulk
# datasets a cross-venue scan reads, each parsed by its venue's ``parse_bulk_*`` into ``PerpMetrics``.
BULK_ENDPOINTS: tuple[Endpoint, ...] = (*bitget.BULK_ENDPOINTS, *gate.BULK_ENDPOINTS)

# Keyed providers: the environment variables that may hold the key (first non-empty wins).
KEY_ENV: Mapping[str, tuple[str, ...]] = {"coinglass": coinglass.KEY_ENV, "cryptoquant": cryptoquant.KEY_ENV}
# Keyed providers: the env var named in "set ... to enable" messages. No keyless source exists for their data.
KEYED_SOURCES: Mapping[str, str] = {name: names[-1] for name, names in KEY_ENV.items()}
# How each keyed provider carries its key: (header name, value template with ``{key}``).
AUTH: Mapping[str, tuple[str, str]] = {
    "coinglass": (coinglass.AUTH_HEADER, coinglass.AUTH_TEMPLATE),
    "cryptoquant": (cryptoquant.AUTH_HEADER, cryptoquant.AUTH_TEMPLATE),
}

# What each provider contributes to a snapshot, in assembly order (per-asset steps per asset in this order, then
# the market-wide steps). A keyed provider's steps run only when its key is in use.
ASSEMBLY: tuple[Assembly, ...] = (
    Assembly(binance.USDM.name, per_asset=binance_asm.assemble_usdm),
    Assembly(binance.COINM.name, per_asset=binance_asm.assemble_coinm),
    Assembly(binance.SPOT.name, per_asset=binance_asm.assemble_spot),
    Assembly(bybit.PROVIDER.name, per_asset=bybit_asm.assemble),
    Assembly(okx.PROVIDER.name, per_asset=okx_asm.assemble),
    Assembly(hyperliquid.PROVIDER.name, per_asset=hyperliquid_asm.assemble),
    Assembly(bitget.PROVIDER.name, per_asset=bitget_asm.assemble),
    Assembly(gate.PROVIDER.name, per_asset=gate_asm.assemble),
    Assembly(deribit.PROVIDER.name, per_asset=deribit_asm.assemble),
    Assembly(okx.OPTIONS_PROVIDER.name, per_asset=okx_opt_asm.assemble),
    Assembly(bybit.OPTIONS_PROVIDER.name, per_asset=bybit_opt_asm.assemble),
    Assembly(binance.OPTIONS.name, per_asset=binance_opt_asm.assemble),
    Assembly(coinglass.PROVIDER.name, per_asset=coinglass_asm.assemble),
    Assembly(fred.PROVIDER.name, market=fred_asm.assemble),
    Assembly(coingecko.PROVIDER.name, market=coingecko_asm.assemble),
    Assembly(defillama.PROVIDER.name, market=defillama_asm.assemble),
    Assembly(cryptoquant.PROVIDER.name, market=cryptoquant_asm.assemble),
)

# Paged history (backfill): each dataset's windows, bounds and page parser; endpoints only history uses.
HISTORY_PAGINGS: tuple[Paging, ...] = (
    *binance_hist.PAGINGS,
    *bybit_hist.PAGINGS,
    *okx_hist.PAGINGS,
    *bitget_hist.PAGINGS,
)
HISTORY_ENDPOINTS: tuple[Endpoint, ...] = (*okx.HISTORY_ENDPOINTS,)

# The instrument universe (``sources.universe``): each perp venue's list of its USD-margined perps and its parser.
# Fetched once per cache lifetime, not per snapshot (so not in ``ENDPOINTS``).
INSTRUMENT_LISTS: tuple[InstrumentList, ...] = (
    InstrumentList(binance.INSTRUMENTS, binance_parse.parse_exchange_info),
    InstrumentList(bybit.INSTRUMENTS, bybit_parse.parse_instruments_list),
    InstrumentList(okx.INSTRUMENTS, okx_parse.parse_instruments),
    InstrumentList(hyperliquid.INSTRUMENTS, hyperliquid_parse.parse_meta),
)
INSTRUMENT_ENDPOINTS: tuple[Endpoint, ...] = tuple(item.endpoint for item in INSTRUMENT_LISTS)

# ``derivintel scan``: per venue, the bulk (all-symbols) requests and the parser of their answers; ``primary`` is the
# dataset the rows come from (its failure is the venue's gap). Binance also reads the market-wide ``fundingInfo``.
_BINANCE_FUNDING_INFO = tuple(ep for ep in binance.ENDPOINTS if ep.dataset == "fundingInfo")
SCAN_SOURCES: tuple[BulkScan, ...] = (
    BulkScan(
        binance.USDM.name,
        binance_parse.VENUE,
        "premiumIndex_all",
        (*binance.SCAN_ENDPOINTS, *_BINANCE_FUNDING_INFO),
        binance_parse.parse_scan,
        oi_endpoint=next(ep for ep in binance.ENDPOINTS if ep.dataset == "openInterest"),
        oi_parse=binance_parse.parse_symbol_open_interest,
    ),
    BulkScan(
        bybit.PROVIDER.name, bybit_parse.VENUE, "tickers_linear_all", bybit.SCAN_ENDPOINTS, bybit_parse.parse_scan
    ),
    BulkScan(okx.PROVIDER.name, okx_parse.VENUE, "mark-price_all", okx.SCAN_ENDPOINTS, okx_parse.parse_scan),
    BulkScan(
        hyperliquid.PROVIDER.name,
        hyperliquid_parse.VENUE,
        "metaAndAssetCtxs",
        hyperliquid.SCAN_ENDPOINTS,
        hyperliquid_parse.parse_scan,
    ),
    BulkScan(bitget.PROVIDER.name, bitget_parse.VENUE, "tickers", bitget.BULK_ENDPOINTS, bitget_parse.parse_scan),
    BulkScan(gate.PROVIDER.name, gate_parse.VENUE, "contracts", gate.BULK_ENDPOINTS, gate_parse.parse_scan),
)
# Endpoints only the scan uses (routed by the fake server; the snapshot plan never asks them).
SCAN_ENDPOINTS: tuple[Endpoint, ...] = (*binance.SCAN_ENDPOINTS, *bybit.SCAN_ENDPOINTS, *okx.SCAN_ENDPOINTS)

# Realised-liquidation websocket streams (``collect-liquidations``), one per venue that has one.
LIQUIDATION_STREAMS: tuple[VenueStream, ...] = (binance_ws.STREAM, bybit_ws.STREAM, okx_ws.STREAM, gate_ws.STREAM)

# ``derivintel doctor``: each venue's own convention checks (run per asset in this order), the venues whose
# declared funding interval is checked, and the OI cross-check's reference venue and the venues it leaves out
# (Deribit's inverse perp is not comparable).
DOCTOR_CHECKS: tuple[VenueChecks, ...] = (
    bybit_checks.oi_checks,
    okx_checks.oi_checks,
    binance_checks.oi_checks,
    bitget_checks.oi_checks,
    gate_checks.oi_checks,
)
FUNDING_CHECKS: tuple[FundingCheck, ...] = (
    binance_checks.FUNDING,
    bybit_checks.FUNDING,
    okx_checks.FUNDING,
    hyperliquid_checks.FUNDING,
    bitget_checks.FUNDING,
    gate_checks.FUNDING,
)
OI_REFERENCE_VENUE: VenueId = binance_parse.VENUE
OI_CROSS_CHECK_EXCLUDED: frozenset[VenueId] = frozenset({deribit_parse.VENUE})

# ``derivintel import NAME``: the offline dump formats a venue or vendor folder reads (name → pure file parser); the
# store writes what they parse. ``import oi`` reads a generic CSV, whose venue defaults to ``OI_CSV_DEFAULT_VENUE``.
DUMP_FORMATS: tuple[DumpFormat, ...] = (
    binance_vision.DUMP_FORMAT,
    deribit_chain_file.DUMP_FORMAT,
    tardis_perp.DUMP_FORMAT,
    tardis_options_chain.DUMP_FORMAT,
)
OI_CSV_DEFAULT_VENUE: str = binance_vision.PERP_VENUE

RequestKey = tuple[str, str, str | None]  # (provider, dataset, asset or None for market-wide data)


def endpoint(provider: str, dataset: str) -> Endpoint:
    """The declaration of ``provider/dataset`` (keyless, keyed, bulk or instrument list); ``KeyError`` if unknown."""
    for ep in (*ENDPOINTS, *KEYED_ENDPOINTS, *BULK_ENDPOINTS, *INSTRUMENT_ENDPOINTS):
        if ep.provider == provider and ep.dataset == dataset:
            return ep
    raise KeyError(f"unknown endpoint {provider}/{dataset}")


def dump_format(name: str) -> DumpFormat:
    """The dump format ``name`` (as in ``derivintel import NAME``); ``KeyError`` if no folder declares it."""
    for fmt in DUMP_FORMATS:
        if fmt.name == name:
            return fmt
    raise KeyError(f"unknown dump format {name!r} (known: {', '.join(f.name for f in DUMP_FORMATS)})")


def expected_keys(
    assets: Sequence[str], *, disabled: Iterable[str] = (), keyed: Iterable[str] = ()
) -> list[RequestKey]:
    """Every (provider, dataset, asset) a snapshot of ``assets`` asks for, market-wide data once; endpoints of
    the keyed providers named in ``keyed`` (those with a key) are appended."""
    off = set(disabled)
    on = set(keyed) - off
    keys: list[RequestKey] = []
    for ep in (*ENDPOINTS, *(e for e in KEYED_ENDPOINTS if e.provider in on)):
        if ep.provider in off:
            continue
        if not ep.per_asset:
            keys.append((ep.provider, ep.dataset, None))
        else:
            keys.extend((ep.provider, ep.dataset, a) for a in assets if ep.applies_to(a))
    return keys
