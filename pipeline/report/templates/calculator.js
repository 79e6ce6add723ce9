// The report's deployment calculator: `ledger advise` in the page, on the quarter's candidates and
// rules embedded as JSON (#calc-data). A port of pipeline/advise/rules.py, costs.py and
// ranking.py: the same tests, the same arithmetic in the same order, the same tie-breaks, so the
// page and the command line give the same ranking and figures. Change them together.
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("calc-data").textContent);
  var KIND_ORDER = ["closed_api", "managed", "self_hosted"];
  var TOKENS_PER_MTOK = 1000000;
  var MAX_PIECES = 10000;

  // ---- costs.py ----
  function usdPerRequest(c, inp) {
    var p = c.pricing;
    return (inp.input_tokens * p.input_usd_per_mtok + inp.output_tokens * p.output_usd_per_mtok) / TOKENS_PER_MTOK;
  }
  function capacityRequests(c, inp) { return Math.floor(c.hosting.capacity_output_tokens / inp.output_tokens); }
  function monthlyCost(c, requests, inp) {
    if (c.kind !== "self_hosted") { return requests * usdPerRequest(c, inp); }
    var h = c.hosting;
    return Math.ceil(requests / capacityRequests(c, inp)) * h.monthly_gpu_cost_usd + h.hidden_costs_usd;
  }
  function marginal(c, inp) {
    if (c.kind !== "self_hosted") { return usdPerRequest(c, inp); }
    return c.hosting.monthly_gpu_cost_usd / capacityRequests(c, inp);
  }
  function piece(c, v, inp) {
    if (c.kind !== "self_hosted") { return [usdPerRequest(c, inp), 0.0, 1, Infinity]; }
    var h = c.hosting, cap = capacityRequests(c, inp), k = Math.ceil(v / cap);
    return [0.0, k * h.monthly_gpu_cost_usd + h.hidden_costs_usd, (k - 1) * cap + 1, k * cap];
  }
  function cheaper(a, b, v, inp) { return monthlyCost(b, v, inp) < monthlyCost(a, v, inp); }
  function searchUp(a, b, v, inp) {
    var x = v + 1;
    for (var n = 0; n < MAX_PIECES; n++) {
      var pa = piece(a, x, inp), pb = piece(b, x, inp), end = Math.min(pa[3], pb[3]);
      if (cheaper(a, b, x, inp)) { return x; }
      var slope = pa[0] - pb[0];
      if (slope > 0) {
        var guess = Math.max(x + 1, Math.floor((pb[1] - pa[1]) / slope) + 1);
        for (var y = guess; y <= guess + 1; y++) {
          if (y <= end && cheaper(a, b, y, inp)) { return y; }
        }
      }
      if (end === Infinity) { return null; }
      x = end + 1;
    }
    return null;
  }
  function searchDown(a, b, v, inp) {
    var x = v - 1;
    for (var n = 0; n < MAX_PIECES; n++) {
      if (x < 1) { return null; }
      var pa = piece(a, x, inp), pb = piece(b, x, inp), first = Math.max(pa[2], pb[2]);
      if (cheaper(a, b, x, inp)) { return x; }
      var slope = pa[0] - pb[0];
      if (slope < 0) {
        var guess = Math.min(x - 1, Math.ceil((pb[1] - pa[1]) / slope) - 1);
        for (var y = guess; y >= guess - 1; y--) {
          if (y >= first && y >= 1 && cheaper(a, b, y, inp)) { return y; }
        }
      }
      x = first - 1;
    }
    return null;
  }
  function crossover(a, b, inp) {
    var v = inp.requests_per_month, direction, found;
    if (marginal(b, inp) < marginal(a, inp)) { direction = "above"; found = searchUp(a, b, v, inp); }
    else { direction = "below"; found = searchDown(a, b, v, inp); }
    return {next: b.key, direction: found === null ? null : direction, requests_per_month: found};
  }

  // ---- rules.py ----
  function active(rule, inp) {
    if (rule.input === "always") { return true; }
    var parts = rule.input.split("="), value = inp[parts[0]];
    if (parts.length > 1) { return value === parts[1]; }
    return value !== null && value !== undefined && value !== false;
  }
  function applies(rule, kind) { return rule.applies_to.indexOf("any") >= 0 || rule.applies_to.indexOf(kind) >= 0; }
  function license(c) { return c.facts.license; }
  var TESTS = {
    kind: function () { return [true, []]; },
    weights_not_open: function (c) { return [c.facts.weights_open !== true, []]; },
    edge_memory: function (c, rule) {
      var need = c.facts.weights_gb;
      return [need === null || need === undefined || need > rule.threshold, []];
    },
    license_mau: function (c, rule, inp) {
      var lic = license(c);
      if (!lic || lic.mau_threshold === null || lic.mau_threshold === undefined) { return [false, []]; }
      return [inp.monthly_active_users > lic.mau_threshold, [{what: "license_clause", license_id: lic.license_id,
        source_url: lic.source_url, passage: lic.mau_threshold_evidence}]];
    },
    license_non_commercial: function (c) {
      var lic = license(c);
      if (!lic || !lic.non_commercial) { return [false, []]; }
      return [true, [{what: "license_clause", license_id: lic.license_id, source_url: lic.source_url,
        passage: lic.non_commercial_evidence}]];
    },
    min_tier: function (c, rule, inp) {
      var need = rule.tier !== null && rule.tier !== undefined ? rule.tier : inp.min_tier;
      return [c.task_tier === null || c.task_tier === undefined || c.task_tier > need, []];
    },
    open_params_at_least: function (c, rule) {
      var p = c.facts.params_b;
      return [c.facts.weights_open === true && p !== null && p !== undefined && p >= rule.threshold, []];
    }
  };
  function judge(c, rules, inp) {
    var act = rules.filter(function (r) { return active(r, inp) && applies(r, c.kind); });
    var probe = Object.assign({}, c, {task_tier: c.facts.tier === undefined ? null : c.facts.tier});
    var credits = [], exclusions = [], notes = [];
    act.filter(function (r) { return r.effect === "credit_tier"; }).forEach(function (r) {
      var hit = TESTS[r.test](probe, r, inp)[0];
      if (hit && (probe.task_tier === null || r.tier < probe.task_tier)) { probe.task_tier = r.tier; credits.push(r); }
    });
    act.filter(function (r) { return r.effect !== "credit_tier"; }).forEach(function (r) {
      var t = TESTS[r.test](probe, r, inp);
      if (t[0]) { (r.effect === "exclude" ? exclusions : notes).push({rule: r, evidence: t[1]}); }
    });
    return {task_tier: probe.task_tier, credits: credits, exclusions: exclusions, notes: notes};
  }

  // ---- ranking.py ----
  function rank(candidates, rules, inp) {
    var kept = [], excluded = [], unpriced = [];
    candidates.forEach(function (c) {
      if (c.kind === "self_hosted" && capacityRequests(c, inp) < 1) {
        unpriced.push({key: c.key, reason: "one replica serves fewer than one request a month at this output length"});
        return;
      }
      var verdict = judge(c, rules, inp), cost = monthlyCost(c, inp.requests_per_month, inp);
      if (verdict.exclusions.length) {
        excluded.push({key: c.key, kind: c.kind, id: c.id, provider: c.provider, model: c.model, monthly_cost_usd: cost,
          rule: verdict.exclusions[0].rule.rule_id, explanation: verdict.exclusions[0].rule.explanation,
          also: verdict.exclusions.slice(1).map(function (e) { return e.rule.rule_id; }),
          evidence: verdict.exclusions[0].evidence});
        return;
      }
      kept.push({cost: cost, c: c, verdict: verdict});
    });
    kept.sort(function (a, b) {
      if (a.cost !== b.cost) { return a.cost < b.cost ? -1 : 1; }
      var k = KIND_ORDER.indexOf(a.c.kind) - KIND_ORDER.indexOf(b.c.kind);
      if (k !== 0) { return k; }
      return a.c.key < b.c.key ? -1 : (a.c.key > b.c.key ? 1 : 0);
    });
    var options = kept.map(function (t, i) {
      var next = i + 1 < kept.length ? kept[i + 1].c : null;
      return {rank: i + 1, key: t.c.key, kind: t.c.kind, id: t.c.id, provider: t.c.provider, model: t.c.model,
        monthly_cost_usd: t.cost, tier: t.c.facts.tier, tier_for_task: t.verdict.task_tier, openness: t.c.facts.openness,
        crossover: next ? crossover(t.c, next, inp) : null, notes: t.verdict.notes.map(function (n) { return n.rule.rule_id; }),
        candidate: t.c};
    });
    return {options: options, excluded: excluded, unpriced: unpriced};
  }

  window.ledgerAdvise = {data: DATA, rank: rank, monthlyCost: monthlyCost, last: null};
  window.ledgerAdviseUi = {};
}());
