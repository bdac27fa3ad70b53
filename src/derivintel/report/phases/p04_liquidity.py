"""Phase 4 — Liquidity Mapping: stop clusters at structural levels, modelled liquidation clusters, book depth."""

from __future__ import annotations

from derivintel.report.model import Phase, Table
from derivintel.report.phases.context import PhaseContext, make_phase, row
from derivintel.report.phases.map_accuracy import map_accuracy_section
from derivintel.report.phases.p04_observed import observed_section

BANDS = ((0.005, "0_5pct", "half a percent"), (0.01, "1pct", "one percent"), (0.02, "2pct", "two percent"))
STOPS_PER_SIDE = 3
SWEPT_SHOWN = 4
STOP_WORDS = {"buy_stops": "Buy stops, short liquidations", "sell_stops": "Sell stops, long liquidations"}
OUTCOME_WORDS = {
    "swept": "closed back inside (swept)",
    "broken": "closed beyond (broken)",
    None: "price beyond it now (bar open)",
}
KIND_WORDS = {
    "equal_highs": "equal highs",
    "equal_lows": "equal lows",
    "range_high": "range high",
    "range_low": "range low",
    "swing_high": "swing high",
    "swing_low": "swing low",
}


def build(ctx: PhaseContext) -> Phase:
    b = ctx.book
    a = ctx.analyses.primary
    keys: list[str] = []
    lmap_res, depth_res, stops_res = a.liquidation_map, a.depth, a.stops
    lmap, depth, stops = lmap_res.value, depth_res.value, stops_res.value

    long_c = lmap.nearest_long_cluster if lmap else None
    short_c = lmap.nearest_short_cluster if lmap else None
    keys += [
        b.add_result(
            "liquidity.liq.long_cluster",
            "Nearest modelled long-liquidation cluster",
            lmap_res,
            long_c.price_usd if long_c else None,
            "usd",
        ),
        b.add_result(
            "liquidity.liq.long_cluster_usd",
            "Its notional",
            lmap_res,
            long_c.notional_usd if long_c else None,
            "usd_notional",
        ),
        b.add_result(
            "liquidity.liq.short_cluster",
            "Nearest modelled short-liquidation cluster",
            lmap_res,
            short_c.price_usd if short_c else None,
            "usd",
        ),
        b.add_result(
            "liquidity.liq.short_cluster_usd",
            "Its notional",
            lmap_res,
            short_c.notional_usd if short_c else None,
            "usd_notional",
        ),
    ]
    stop_rows = []
    resting = (("above", stops.above if stops else ()), ("below", stops.below if stops else ()))
    for side, clusters in resting:
        for i, c in enumerate(clusters[:STOPS_PER_SIDE], start=1):
            kind = KIND_WORDS.get(str(c.kind), str(c.kind))
            k_p = b.add(
                f"liquidity.stops.{side}_{i}",
                f"Resting stops {side} #{i}",
                c.price_usd,
                "usd",
                sources=a.structure.sources,
                note=f"untouched {kind}",
            )
            k_n = b.add(
                f"liquidity.stops.{side}_{i}_usd",
                f"Modelled liquidations near resting stops {side} #{i}",
                c.modelled_liquidation_usd,
                "usd_notional",
                sources=lmap_res.sources,
                note=None if c.modelled_liquidation_usd is not None else "no liquidation map",
            )
            keys += [k_p, k_n]
            direction = "Up" if side == "above" else "Down"
            stop_kind = STOP_WORDS["buy_stops" if side == "above" else "sell_stops"]
            stop_rows.append(row(stop_kind, direction, f"untouched {kind}", b.cell(k_p), b.cell(k_n)))
    swept = stops.swept if stops else ()
    swept_rows = []
    for i, sw in enumerate(swept[:SWEPT_SHOWN], start=1):
        kind = KIND_WORDS.get(str(sw.kind), str(sw.kind))
        when = f"{sw.swept_ts:%Y-%m-%d %H:%M} UTC"
        outcome = OUTCOME_WORDS[sw.outcome.value if sw.outcome else None]
        k_s = b.add(
            f"liquidity.stops.swept_{i}",
            f"Swept level #{i} (latest first)",
            sw.price_usd,
            "usd",
            sources=a.structure.sources,
            note=f"{kind}: {STOP_WORDS[sw.stop_side].lower()} taken by the bar closing {when}; {outcome}",
        )
        keys.append(k_s)
        swept_rows.append(row(kind, b.cell(k_s), when, outcome, STOP_WORDS[sw.stop_side]))
    counts = (
        (
            "n_resting_above",
            "Resting buy-stop levels above price (untouched highs)",
            len(stops.above) if stops else None,
        ),
        (
            "n_resting_below",
            "Resting sell-stop levels below price (untouched lows)",
            len(stops.below) if stops else None,
        ),
        ("n_swept", "Levels swept since they formed", len(swept) if stops else None),
    )
    keys += [b.add_result(f"liquidity.stops.{k}", label, stops_res, n, "count") for k, label, n in counts]
    for band, tag, _words in BANDS:
        bd = next((x for x in depth.bands if abs(x.band_fraction - band) < 1e-12), None) if depth else None
        keys.append(
            b.add_result(
                f"liquidity.depth.bid_{tag}_usd",
                f"Bid depth within {tag}",
                depth_res,
                bd.bid_usd if bd else None,
                "usd_notional",
            )
        )
        keys.append(
            b.add_result(
                f"liquidity.depth.ask_{tag}_usd",
                f"Ask depth within {tag}",
                depth_res,
                bd.ask_usd if bd else None,
                "usd_notional",
            )
        )
        keys.append(
            b.add_result(
                f"liquidity.depth.imbalance_{tag}",
                f"Book imbalance within {tag}",
                depth_res,
                bd.imbalance if bd else None,
                "score",
            )
        )
    price = a.price.value.price_usd if a.price.value else None
    walls = depth.walls if depth else ()
    bid_wall = max((w for w in walls if w.side == "bid"), key=lambda w: w.size_usd, default=None)
    ask_wall = max((w for w in walls if w.side == "ask"), key=lambda w: w.size_usd, default=None)
    thin = depth.thin_zones if depth else ()
    thin_below = min(
        (z for z in thin if z.side == "bid"), key=lambda z: price - z.price_high_usd if price else 0, default=None
    )
    thin_above = min(
        (z for z in thin if z.side == "ask"), key=lambda z: z.price_low_usd - price if price else 0, default=None
    )
    keys += [
        b.add_result(
            "liquidity.wall.bid",
            "Largest bid wall",
            depth_res,
            (bid_wall.price_low_usd + bid_wall.price_high_usd) / 2 if bid_wall else None,
            "usd",
        ),
        b.add_result(
            "liquidity.wall.bid_usd", "Its size", depth_res, bid_wall.size_usd if bid_wall else None, "usd_notional"
        ),
        b.add_result(
            "liquidity.wall.ask",
            "Largest ask wall",
            depth_res,
            (ask_wall.price_low_usd + ask_wall.price_high_usd) / 2 if ask_wall else None,
            "usd",
        ),
        b.add_result(
            "liquidity.wall.ask_usd", "Its size", depth_res, ask_wall.size_usd if ask_wall else None, "usd_notional"
        ),
        b.add_result(
            "liquidity.thin.below",
            "Nearest thin zone below (top)",
            depth_res,
            thin_below.price_high_usd if thin_below else None,
            "usd",
        ),
        b.add_result(
            "liquidity.thin.above",
            "Nearest thin zone above (bottom)",
            depth_res,
            thin_above.price_low_usd if thin_above else None,
            "usd",
        ),
    ]
    s = a.structure.value
    hvns = list(s.profile.hvn_usd[:2]) if s and s.profile else []
    for i, h in enumerate(hvns, start=1):
        keys.append(b.add_result(f"liquidity.hvn_{i}", f"High-volume node #{i}", a.structure, h, "usd"))
    obs_keys, obs_table, obs_text = observed_section(ctx)
    keys += obs_keys

    tables = [
        Table(columns=["Resting liquidity", "Direction", "Level", "Price", "Modelled liq. near"], rows=stop_rows)
        if stop_rows
        else None,
        Table(
            columns=["Swept since formed", "Price", "Swept at (bar close)", "That bar", "Stops taken"], rows=swept_rows
        )
        if swept_rows
        else None,
        Table(
            columns=["Book", "Bid", "Ask", "Imbalance"],
            rows=[
                row(
                    f"within {words}",
                    b.cell(f"liquidity.depth.bid_{tag}_usd"),
                    b.cell(f"liquidity.depth.ask_{tag}_usd"),
                    b.cell(f"liquidity.depth.imbalance_{tag}"),
                )
                for _band, tag, words in BANDS
            ],
        ),
        Table(
            columns=["Feature", "Price", "Size"],
            rows=[
                row(
                    "Long-liquidation cluster (model)",
                    b.cell("liquidity.liq.long_cluster"),
                    b.cell("liquidity.liq.long_cluster_usd"),
                ),
                row(
                    "Short-liquidation cluster (model)",
                    b.cell("liquidity.liq.short_cluster"),
                    b.cell("liquidity.liq.short_cluster_usd"),
                ),
                row("Bid wall", b.cell("liquidity.wall.bid"), b.cell("liquidity.wall.bid_usd")),
                row("Ask wall", b.cell("liquidity.wall.ask"), b.cell("liquidity.wall.ask_usd")),
                row("Thin zone below", b.cell("liquidity.thin.below"), ""),
                row("Thin zone above", b.cell("liquidity.thin.above"), ""),
                *[row("High-volume node", b.cell(f"liquidity.hvn_{i}"), "") for i in range(1, len(hvns) + 1)],
            ],
        ),
        obs_table,
    ]
    if lmap is None and depth is None:
        headline = "Key targets: not available."
    else:
        headline = b.text(
            "Key targets: long liquidations below {liquidity.liq.long_cluster}, shorts above "
            "{liquidity.liq.short_cluster} (modelled)."
        )
    summary = b.text(
        "Modelled long-liquidation cluster {liquidity.liq.long_cluster} ({liquidity.liq.long_cluster_usd}) and "
        "short cluster {liquidity.liq.short_cluster} ({liquidity.liq.short_cluster_usd}). Book within one percent: "
        "bids {liquidity.depth.bid_1pct_usd}, asks {liquidity.depth.ask_1pct_usd}, imbalance "
        "{liquidity.depth.imbalance_1pct}."
    )
    summary = f"{summary} {obs_text}"
    reasoning = (
        "Resting stops: buy stops above highs and sell stops below lows that no closed bar has traded through since "
        "they formed (causal swings, equal highs/lows, range edges); a level traded through is listed as swept with "
        "the time, because its stops are gone and the sweep is itself a signal. The liquidation map is a model of "
        "relative intensity from OI increases and an assumed leverage mix, not observed positions; book depth is "
        "aggregated across venues."
    )
    acc_keys, acc_table, acc_sentence = map_accuracy_section(ctx)  # issue 11: the map's accuracy ledger
    keys += acc_keys
    tables.append(acc_table)
    summary += " " + acc_sentence
    return make_phase(
        ctx,
        number=4,
        title="Liquidity Mapping",
        headline=headline,
        summary=summary,
        tables=[t for t in tables if t is not None],
        reasoning=reasoning,
        keys=keys,
    )
