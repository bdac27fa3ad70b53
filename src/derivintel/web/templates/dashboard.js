/* Dashboard: draw the charts, then poll /api/report/{symbol} every refresh interval; when a new report is there,
   swap in the server-rendered body (numbers formatted by the server) and redraw the charts from the JSON. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("dashboard-config").textContent);
  var state = document.getElementById("refresh-state");

  function headers() { return cfg.token ? { Authorization: "Bearer " + cfg.token } : {}; }
  function withToken(url) { return cfg.token ? url + "?token=" + encodeURIComponent(cfg.token) : url; }

  function renderPast(items) {
    var list = document.getElementById("past-reports");
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.slice(0, 50).forEach(function (e) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = withToken("/reports/" + encodeURIComponent(e.report_id));
      a.textContent = e.symbol + " generated " + e.generated_at;
      li.appendChild(a);
      if (e.synthetic) { li.appendChild(document.createTextNode(" (synthetic)")); }
      list.appendChild(li);
    });
  }

  function refresh() {
    var sym = encodeURIComponent(cfg.symbol);
    fetch("/api/report/" + sym, { headers: headers(), cache: "no-store" })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (report) {
        var body = document.getElementById("report-body");
        if (body && body.getAttribute("data-generated-at") === report.generated_at) {
          state.textContent = "up to date (" + report.generated_at + ")";
          return null;
        }
        return fetch("/fragment/" + sym, { headers: headers(), cache: "no-store" })
          .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.text(); })
          .then(function (html) {
            document.getElementById("report-container").innerHTML = html;
            window.DerivCharts.drawAll(report);
            state.textContent = "updated (" + report.generated_at + ")";
            return fetch("/api/reports", { headers: headers(), cache: "no-store" });
          })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(renderPast);
      })
      .catch(function (err) { state.textContent = "refresh failed: " + err.message; });
  }

  document.getElementById("symbol-picker").addEventListener("change", function (ev) {
    window.location.href = withToken("/dashboard/" + encodeURIComponent(ev.target.value));
  });
  window.DerivCharts.drawAll(cfg.report);
  window.setInterval(refresh, Math.max(1, cfg.refresh_s) * 1000);
})();
