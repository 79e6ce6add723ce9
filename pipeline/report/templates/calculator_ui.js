// The calculator's form, tables and cost-against-volume chart. Every text from the data is set
// with textContent (a model name is text, never markup); nothing is fetched.
(function () {
  "use strict";
  var A = window.ledgerAdvise, DATA = A.data, SVG = "http://www.w3.org/2000/svg";
  var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
  function $(id) { return document.getElementById(id); }
  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function usd(v) {
    if (v === null || v === undefined) { return "–"; }
    return Math.abs(v) >= 100 ? "$" + v.toLocaleString("en-US", {maximumFractionDigits: 0})
      : "$" + v.toLocaleString("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  }
  function count(v) { return v.toLocaleString("en-US"); }
  function label(o) { return o.kind === "self_hosted" ? o.id + " (" + (o.model || "model not named") + ")" : o.id + " @ " + o.provider; }
  function crossing(o) {
    var c = o.crossover;
    if (!c) { return ""; }
    if (c.requests_per_month === null) { return c.direction === null ? "next is never cheaper" : ""; }
    return "next is cheaper " + (c.direction === "above" ? "from " : "at ") + count(c.requests_per_month) + " requests/month";
  }
  function whole(id, min, optional) {
    var raw = $(id).value.trim();
    if (raw === "" && optional) { return null; }
    var n = Number(raw);
    if (!Number.isInteger(n) || n < min) { throw new Error($(id).getAttribute("data-label") + " must be a whole number of at least " + min); }
    return n;
  }
  function readInputs() {
    var tier = $("calc-min-tier").value, task = $("calc-task").value, tune = $("calc-fine-tune").value;
    return {requests_per_month: whole("calc-requests", 1), input_tokens: whole("calc-input-tokens", 0),
      output_tokens: whole("calc-output-tokens", 1), task: task || null, min_tier: tier ? Number(tier) : null,
      data_in_house: $("calc-data-in-house").checked, no_ml_ops: $("calc-no-ml-ops").checked, edge: $("calc-edge").checked,
      fine_tune: tune || null, monthly_active_users: whole("calc-mau", 0, true),
      vendor_independence: $("calc-vendor-independence").checked};
  }
  function evidenceList(c) {
    var d = el("details"), ul = el("ul");
    d.appendChild(el("summary", "sources"));
    c.evidence.forEach(function (e) {
      var parts = [e.what, e.table, e.source, e.observed_at, e.url, e.citation, e.assumptions_hash && "assumptions " + e.assumptions_hash];
      ul.appendChild(el("li", parts.filter(function (p) { return p; }).join(" · ")));
    });
    d.appendChild(ul);
    return d;
  }
  function fillOptions(result) {
    var body = $("calc-options").querySelector("tbody");
    body.textContent = "";
    result.options.forEach(function (o) {
      var tr = el("tr", null, {"data-key": o.key, "data-rank": o.rank, "data-cost": String(o.monthly_cost_usd)});
      var tier = o.tier === null || o.tier === undefined ? "–" : String(o.tier);
      if (o.tier_for_task !== null && o.tier_for_task !== undefined && o.tier_for_task !== o.tier) { tier += "→" + o.tier_for_task; }
      [String(o.rank), label(o), o.kind].forEach(function (t) { tr.appendChild(el("td", t)); });
      tr.appendChild(el("td", usd(o.monthly_cost_usd), {"class": "num"}));
      [tier, o.openness || "unknown", crossing(o) + (o.notes.length ? " (note: " + o.notes.join(", ") + ")" : "")]
        .forEach(function (t) { tr.appendChild(el("td", t)); });
      var src = el("td");
      src.appendChild(evidenceList(o.candidate));
      tr.appendChild(src);
      body.appendChild(tr);
    });
    $("calc-empty").hidden = result.options.length > 0;
  }
  function fillExcluded(result) {
    var body = $("calc-excluded").querySelector("tbody");
    body.textContent = "";
    result.excluded.forEach(function (x) {
      var tr = el("tr", null, {"data-key": x.key, "data-rule": x.rule});
      var quote = x.evidence.filter(function (e) { return e.what === "license_clause"; })
        .map(function (e) { return e.license_id + " (" + e.source_url + "): \u201c" + e.passage + "\u201d"; }).join(" ");
      [label(x), x.rule + (x.also.length ? " (also " + x.also.join(", ") + ")" : ""), x.explanation + (quote ? " " + quote : "")]
        .forEach(function (t) { tr.appendChild(el("td", t)); });
      body.appendChild(tr);
    });
    $("calc-excluded-count").textContent = String(result.excluded.length);
  }
  function svgEl(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function drawChart(result, inp) {
    var svg = $("calc-chart"), W = 960, H = 360, L = 70, R = 330, T = 30, B = 40;
    svg.textContent = "";
    svg.appendChild(svgEl("text", {x: L, y: 18, "class": "ct"}, "Monthly cost against volume (" + DATA.quarter + ")"));
    var shown = result.options.slice(0, COLORS.length);
    if (!shown.length) { return; }
    var v = inp.requests_per_month, lo = Math.max(1, v / 100), hi = v * 100, vols = [];
    for (var i = 0; i <= 80; i++) { vols.push(Math.max(1, Math.round(lo * Math.pow(hi / lo, i / 80)))); }
    var lines = shown.map(function (o) {
      return vols.map(function (x) { return [x, A.monthlyCost(o.candidate, x, inp)]; });
    });
    var ys = [].concat.apply([], lines).map(function (p) { return p[1]; }).filter(function (y) { return y > 0; });
    var y0 = Math.log10(Math.min.apply(null, ys)), y1 = Math.log10(Math.max.apply(null, ys));
    if (y1 - y0 < 1e-9) { y0 -= 1; y1 += 1; }
    var x0 = Math.log10(lo), x1 = Math.log10(hi);
    function px(x) { return L + (Math.log10(x) - x0) / (x1 - x0) * (W - L - R); }
    function py(y) { return H - B - (Math.log10(Math.max(y, Math.pow(10, y0))) - y0) / (y1 - y0) * (H - T - B); }
    svg.appendChild(svgEl("line", {x1: L, y1: H - B, x2: W - R, y2: H - B, "class": "axis"}));
    svg.appendChild(svgEl("line", {x1: L, y1: T, x2: L, y2: H - B, "class": "axis"}));
    for (var d = Math.ceil(x0); d <= Math.floor(x1); d++) {
      svg.appendChild(svgEl("text", {x: px(Math.pow(10, d)), y: H - B + 16, "class": "tk", "text-anchor": "middle"}, count(Math.pow(10, d))));
    }
    for (var e = Math.ceil(y0); e <= Math.floor(y1); e++) {
      svg.appendChild(svgEl("text", {x: L - 6, y: py(Math.pow(10, e)) + 4, "class": "tk", "text-anchor": "end"}, usd(Math.pow(10, e))));
    }
    lines.forEach(function (pts, k) {
      svg.appendChild(svgEl("polyline", {fill: "none", stroke: COLORS[k], "stroke-width": 2, "data-key": shown[k].key,
        points: pts.map(function (p) { return px(p[0]).toFixed(1) + "," + py(p[1]).toFixed(1); }).join(" ")}));
      svg.appendChild(svgEl("text", {x: W - R + 10, y: T + 14 * k + 10, fill: COLORS[k], "class": "lg"}, shown[k].rank + ". " + label(shown[k])));
    });
    var mark = svgEl("g", {"class": "marker"});
    mark.appendChild(svgEl("line", {x1: px(v), y1: T, x2: px(v), y2: H - B}));
    mark.appendChild(svgEl("text", {x: px(v) + 4, y: T + 10}, count(v) + " requests/month"));
    svg.appendChild(mark);
    svg.appendChild(svgEl("text", {x: (L + W - R) / 2, y: H - 6, "class": "al", "text-anchor": "middle"}, "requests per month (log)"));
  }
  function update() {
    var inp;
    try { inp = readInputs(); } catch (err) { $("calc-error").textContent = err.message; return; }
    $("calc-error").textContent = "";
    var result = A.rank(DATA.candidates, DATA.rules, inp);
    A.last = {inputs: inp, result: result};
    fillOptions(result);
    fillExcluded(result);
    drawChart(result, inp);
    $("calc-summary").textContent = result.options.length + " option(s) ranked, " + result.excluded.length + " excluded, at " +
      count(inp.requests_per_month) + " requests/month of " + count(inp.input_tokens) + " input + " + count(inp.output_tokens) + " output tokens.";
  }
  $("calc-form").addEventListener("input", update);
  $("calc-form").addEventListener("change", update);
  $("calc-form").addEventListener("submit", function (e) { e.preventDefault(); update(); });
  update();
}());
