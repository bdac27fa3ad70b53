/* Draws the report's charts with Plotly from the report JSON (report.charts, report.freshness).
   Computes no figures: every plotted value is a field of the report model. Strings from outside (venue names,
   labels) are escaped before Plotly sees them, because Plotly interprets a small subset of HTML in text. */
(function (global) {
  "use strict";

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["sendDataToCloud"] };
  var GROUP_COLORS = {
    avwap: "#2a6fdb", volume_profile: "#8e44ad", range: "#7f8c8d", liquidation: "#e67e22",
    options: "#16a085", plan: "#c0392b", other: "#555555"
  };
  var GROUP_NAMES = {
    avwap: "Anchored VWAPs", volume_profile: "Value area / POC", range: "Range", liquidation: "Liquidation clusters",
    options: "Options levels", plan: "Trade plan", other: "Other"
  };

  function layout(extra) {
    var base = {
      margin: { l: 60, r: 20, t: 10, b: 40 }, hovermode: "closest", showlegend: true,
      legend: { orientation: "h", y: -0.18 }, paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff"
    };
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { base[k] = extra[k]; } }
    return base;
  }

  function priceFigure(price) {
    var b = price.bars;
    var traces = [{
      type: "candlestick", x: b.ts, open: b.open_usd, high: b.high_usd, low: b.low_usd, close: b.close_usd,
      name: esc(b.venue + " " + b.market + " " + (b.interval_s / 3600) + "h"), showlegend: true
    }];
    var x0 = b.ts[0], x1 = b.ts[b.ts.length - 1];
    var groups = {};
    price.levels.forEach(function (lv) {
      var g = groups[lv.group] || (groups[lv.group] = { x: [], y: [], text: [] });
      var label = esc(lv.label);
      g.x.push(x0, x1, null); g.y.push(lv.price_usd, lv.price_usd, null); g.text.push(label, label, null);
    });
    Object.keys(groups).forEach(function (name) {
      var g = groups[name];
      traces.push({
        type: "scatter", mode: "lines", x: g.x, y: g.y, text: g.text, name: esc(GROUP_NAMES[name] || name),
        line: { color: GROUP_COLORS[name] || "#555", width: 1, dash: name === "plan" ? "dot" : "dash" },
        hovertemplate: "%{text}: %{y:$,.2f}<extra></extra>", connectgaps: false
      });
    });
    return { data: traces, layout: layout({ xaxis: { rangeslider: { visible: false }, type: "date" },
      yaxis: { title: { text: "USD" }, tickformat: "$,.0f" } }) };
  }

  function venueLines(items, yField, yTitle, tickformat) {
    return {
      data: items.map(function (s) {
        return { type: "scatter", mode: "lines", x: s.ts, y: s[yField], name: esc(s.venue) };
      }),
      layout: layout({ xaxis: { type: "date" }, yaxis: { title: { text: yTitle }, tickformat: tickformat } })
    };
  }

  function liquidationFigure(m, obs) {
    var data = [
      { type: "bar", orientation: "h", y: m.bin_center_usd, x: m.long_notional_usd, name: "Long liquidations (USD)",
        marker: { color: "#c0392b" } },
      { type: "bar", orientation: "h", y: m.bin_center_usd, x: m.short_notional_usd, name: "Short liquidations (USD)",
        marker: { color: "#27ae60" } }
    ];
    var lay = layout({
      barmode: "overlay", bargap: 0, yaxis: { title: { text: "price (USD)" }, tickformat: "$,.0f" },
      xaxis: { title: { text: "modelled notional (USD)" }, tickformat: "$.3s" },
      shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: m.reference_price_usd, y1: m.reference_price_usd,
        line: { color: "#1d2330", width: 1, dash: "dot" } }]
    });
    if (obs) {
      /* Observed positions on the same price axis; their notional on a second (top) axis: far smaller than the
         all-venue model, the two are compared by where they cluster, not by size. */
      data.push(
        { type: "scatter", mode: "lines", y: obs.bin_center_usd, x: obs.long_notional_usd, xaxis: "x2",
          name: "Observed long liquidations, Hyperliquid positions (USD)", line: { color: "#7b241c", width: 1.5 } },
        { type: "scatter", mode: "lines", y: obs.bin_center_usd, x: obs.short_notional_usd, xaxis: "x2",
          name: "Observed short liquidations, Hyperliquid positions (USD)", line: { color: "#145a32", width: 1.5 } }
      );
      lay.xaxis2 = { overlaying: "x", side: "top", title: { text: "observed notional (USD)" }, tickformat: "$.3s",
        showgrid: false };
      lay.margin = { l: 60, r: 20, t: 40, b: 40 };
    }
    return { data: data, layout: lay };
  }

  function gexFigure(g) {
    var shapes = [{ type: "line", yref: "paper", y0: 0, y1: 1, x0: g.spot_usd, x1: g.spot_usd,
      line: { color: "#1d2330", dash: "dot", width: 1 } }];
    if (g.gamma_flip_usd !== null && g.gamma_flip_usd !== undefined) {
      shapes.push({ type: "line", yref: "paper", y0: 0, y1: 1, x0: g.gamma_flip_usd, x1: g.gamma_flip_usd,
        line: { color: "#c0392b", dash: "dash", width: 1 } });
    }
    return {
      data: [
        { type: "bar", x: g.strike_usd, y: g.net_gex_usd_per_1pct, name: "Net GEX by strike (USD per 1%)",
          marker: { color: "#2a6fdb" } },
        { type: "scatter", mode: "lines", x: g.sweep_spot_usd, y: g.sweep_gex_usd_per_1pct, yaxis: "y2",
          name: "Total GEX at spot level (USD per 1%)", line: { color: "#e67e22" } }
      ],
      layout: layout({
        xaxis: { title: { text: "strike / spot (USD)" }, tickformat: "$,.0f" },
        yaxis: { title: { text: "GEX by strike" }, tickformat: "$.3s" },
        yaxis2: { overlaying: "y", side: "right", tickformat: "$.3s", showgrid: false },
        shapes: shapes,
        annotations: [{ x: g.spot_usd, y: 1, yref: "paper", text: "spot", showarrow: false, yanchor: "bottom" }]
          .concat(g.gamma_flip_usd !== null && g.gamma_flip_usd !== undefined ?
            [{ x: g.gamma_flip_usd, y: 0.95, yref: "paper", text: "flip", showarrow: false }] : [])
      })
    };
  }

  function painFigure(p) {
    var shapes = [{ type: "line", yref: "paper", y0: 0, y1: 1, x0: p.spot_usd, x1: p.spot_usd,
      line: { color: "#1d2330", dash: "dot", width: 1 } }];
    if (p.max_pain_usd !== null && p.max_pain_usd !== undefined) {
      shapes.push({ type: "line", yref: "paper", y0: 0, y1: 1, x0: p.max_pain_usd, x1: p.max_pain_usd,
        line: { color: "#c0392b", dash: "dash", width: 1 } });
    }
    return {
      data: [{ type: "bar", x: p.strike_usd, y: p.pain_usd, name: "Payout to holders at settlement (USD)",
        marker: { color: "#8e44ad" } }],
      layout: layout({ xaxis: { title: { text: "settlement price (USD)" }, tickformat: "$,.0f" },
        yaxis: { title: { text: "payout (USD)" }, tickformat: "$.3s" }, shapes: shapes })
    };
  }

  function optionsOiFigure(o, byExpiry) {
    // expiries as categories (one bar group each, labelled by date), strikes on a price axis
    var x = byExpiry ? o.expiry.map(function (e) { return String(e).slice(0, 10); }) : o.strike_usd;
    var calls = byExpiry ? o.call_oi_by_expiry_base : o.call_oi_by_strike_base;
    var puts = byExpiry ? o.put_oi_by_expiry_base : o.put_oi_by_strike_base;
    return {
      data: [
        { type: "bar", x: x, y: calls, name: "Call OI (coins)", marker: { color: "#27ae60" } },
        { type: "bar", x: x, y: puts, name: "Put OI (coins)", marker: { color: "#c0392b" } }
      ],
      layout: layout({ barmode: "group",
        xaxis: byExpiry ? { title: { text: "expiry (08:00 UTC)" }, type: "category", automargin: true }
          : { title: { text: "strike (USD)" }, tickformat: "$,.0f" },
        yaxis: { title: { text: "open interest (coins)" }, tickformat: ".3s" } })
    };
  }

  function smileFigure(smiles) {
    return {
      data: smiles.map(function (s) {
        return { type: "scatter", mode: "lines+markers", x: s.strike_usd, y: s.iv, name: esc(s.expiry),
          marker: { size: 4 } };
      }),
      layout: layout({ xaxis: { title: { text: "strike (USD)" }, tickformat: "$,.0f" },
        yaxis: { title: { text: "IV" }, tickformat: ".0%" } })
    };
  }

  function termFigure(t) {
    return {
      data: [{ type: "scatter", mode: "lines+markers", x: t.days_to_expiry, y: t.atm_iv, name: "ATM IV" }],
      layout: layout({ xaxis: { title: { text: "days to expiry" } }, yaxis: { title: { text: "IV" }, tickformat: ".0%" } })
    };
  }

  function basisFigure(b) {
    var data = b.venues.map(function (v) {
      return { type: "scatter", mode: "markers", x: v.days_to_expiry, y: v.basis_annualised, name: esc(v.venue),
        text: v.symbols.map(esc), hovertemplate: "%{text}: %{y:.2%} a year at %{x:.0f} days<extra></extra>" };
    });
    data.push({ type: "scatter", mode: "lines", x: b.composite_days, y: b.composite_basis_annualised,
      name: "median per expiry", line: { color: "#1d2330", width: 1 } });
    data.push({ type: "scatter", mode: "markers", x: [b.cm_3m_days], y: [b.cm_3m_basis_annualised],
      name: b.cm_3m_extrapolated ? "3-month (extrapolated)" : "3-month", marker: { symbol: "star", size: 12, color: "#c0392b" } });
    return {
      data: data,
      layout: layout({ xaxis: { title: { text: "days to expiry" } },
        yaxis: { title: { text: "basis, annualised" }, tickformat: ".1%" } })
    };
  }

  function profileFigure(p) {
    var lines = [["POC", p.poc_usd, "#c0392b"], ["VAH", p.vah_usd, "#8e44ad"], ["VAL", p.val_usd, "#8e44ad"]];
    return {
      data: [{ type: "bar", orientation: "h", y: p.bin_center_usd, x: p.volume_base, name: "Volume (coins)",
        marker: { color: "#95a5a6" } }],
      layout: layout({
        bargap: 0, yaxis: { title: { text: "price (USD)" }, tickformat: "$,.0f" },
        xaxis: { title: { text: "volume (coins)" } },
        shapes: lines.map(function (l) {
          return { type: "line", xref: "paper", x0: 0, x1: 1, y0: l[1], y1: l[1], line: { color: l[2], dash: "dash", width: 1 } };
        }),
        annotations: lines.map(function (l) {
          return { xref: "paper", x: 1, y: l[1], text: l[0], showarrow: false, xanchor: "right", yanchor: "bottom" };
        })
      })
    };
  }

  function healthFigure(freshness) {
    var names = freshness.map(function (f) { return esc(f.source); });
    return {
      data: [
        { type: "bar", orientation: "h", y: names, x: freshness.map(function (f) { return f.age_s; }), name: "age (s)",
          marker: { color: freshness.map(function (f) { return f.stale ? "#c0392b" : "#27ae60"; }) } },
        { type: "scatter", mode: "markers", y: names, x: freshness.map(function (f) { return f.budget_s; }),
          name: "budget (s)", marker: { symbol: "line-ns-open", size: 14, color: "#1d2330" } }
      ],
      layout: layout({ margin: { l: 260, r: 20, t: 10, b: 40 }, xaxis: { type: "log", title: { text: "seconds" } },
        yaxis: { automargin: true, tickfont: { size: 10 } } })
    };
  }

  function figures(report) {
    var c = report.charts || {};
    var out = {};
    if (c.price) { out.price = priceFigure(c.price); }
    if (c.open_interest && c.open_interest.length) {
      out.open_interest = venueLines(c.open_interest, "oi_usd", "open interest (USD)", "$.3s");
    }
    if (c.funding && c.funding.length) { out.funding = venueLines(c.funding, "rate_1h", "funding per hour", ".4%"); }
    if (c.liquidation_map) {
      out.liquidation_map = liquidationFigure(c.liquidation_map, c.observed_liquidation_map);
    }
    if (c.gex) { out.gex = gexFigure(c.gex); }
    if (c.pain_curve) { out.pain_curve = painFigure(c.pain_curve); }
    if (c.options_oi) {
      out.options_oi_strike = optionsOiFigure(c.options_oi, false);
      out.options_oi_expiry = optionsOiFigure(c.options_oi, true);
    }
    if (c.iv_smiles && c.iv_smiles.length) { out.iv_smile = smileFigure(c.iv_smiles); }
    if (c.iv_term) { out.iv_term = termFigure(c.iv_term); }
    if (c.basis_curve) { out.basis_curve = basisFigure(c.basis_curve); }
    if (c.volume_profile) { out.volume_profile = profileFigure(c.volume_profile); }
    if (report.freshness && report.freshness.length) { out.venue_health = healthFigure(report.freshness); }
    return out;
  }

  function drawAll(report) {
    var figs = figures(report);
    var divs = document.querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(divs, function (div) {
      var fig = figs[div.getAttribute("data-chart")];
      if (fig) {
        global.Plotly.react(div, fig.data, fig.layout, CONFIG);
      } else {
        div.textContent = "No data for this chart.";
        div.className += " missing";
      }
    });
  }

  global.DerivCharts = { drawAll: drawAll, figures: figures, esc: esc };
})(window);
