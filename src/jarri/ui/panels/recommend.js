// "Which model at which power limit?": the configurations (model × GPU × power limit) that
// meet the user's bar, ranked by energy per passed answer (or score per Wh), with the
// rebuild's 95 % intervals; configurations whose intervals overlap the leader's are a tie.
// Reads duckdb_model_tdp.json (balanced over the compared task set, computed by the rebuild).
import { h, section, empty } from "../dom.js";
import { fixed, interval, metric, num, powerRequests, watts } from "../format.js";
import { table } from "../table.js";

export const RANKINGS = {
  energy: { key: "energy_per_success_j", label: "energy per passed answer" },
  wh: { key: "score_per_wh", label: "score per Wh" },
};
const BARS = { score: { key: "avg_score_percent", label: "average score at least", unit: "pts" },
  success: { key: "success_rate", label: "success rate at least", unit: "%" } };

// The user's bar from the URL: need=score:70 or need=success:80 (percent).
export function readBar(st) {
  const [kind, raw] = (st.need || "").split(":");
  // own keys only: "__proto__" or "constructor" in a URL is not an option
  const bar = Object.hasOwn(BARS, kind) ? kind : "score";
  const value = Number.isFinite(Number(raw)) && raw !== "" ? Number(raw) : 0;
  return { kind: bar, value, rank: Object.hasOwn(RANKINGS, st.rank) ? st.rank : "energy" };
}

function meets(r, bar) {
  const v = r[BARS[bar.kind].key];
  if (v === null || v === undefined) return false;
  return bar.kind === "success" ? 100 * v >= bar.value - 1e-9 : v >= bar.value - 1e-9;
}

const overlap = (a, b) => Boolean(a && b && a[0] != null && a[1] != null && b[0] != null
  && b[1] != null && a[0] <= b[1] && b[0] <= a[1]);

// Ranks with ties: a configuration ties with the leader of the current group when their
// 95 % intervals of the ranking metric overlap (or, without intervals, when equal).
export function rankWithTies(rows, key) {
  let leader = null, rank = 0;
  return rows.map((r, i) => {
    const tie = leader && (overlap(leader.ci95?.[key], r.ci95?.[key]) || leader[key] === r[key]);
    if (!tie) { leader = r; rank = i + 1; }
    return { ...r, rank, tie: Boolean(tie) };
  });
}

function config(r) {
  return `${r.model} at ${r.power_applied_w == null ? "the card's own limit" : watts(r.power_applied_w)}`
    + ` on ${r.gpu_name || "no GPU"}`;
}

function plusMinus(key, r) {
  const ci = r.ci95?.[key];
  if (!ci || ci[0] == null || ci[1] == null) return metric(key, r[key]);
  const half = (ci[1] - ci[0]) / 2;
  return key === "success_rate" ? `${fixed(100 * r[key], 1)} ± ${fixed(100 * half, 1)} %`
    : `${fixed(r[key], 1)} ± ${fixed(half, 1)} pts`;
}

// One sentence on the best configuration, against the same model on the same GPU at the
// card's default limit (no limit set, or 100 % of default).
const atDefault = (r) => r.power_applied_w == null || r.power_percent_of_default === 100;

export function sentence(best, all, rankKey) {
  const dflt = all.find((r) => r.model === best.model && r.gpu_key === best.gpu_key
    && r.power_applied_w !== best.power_applied_w && atDefault(r));
  let vs = "";
  if (atDefault(best)) {
    vs = ", at the card's default limit";
  } else if (dflt && dflt[rankKey] != null && best[rankKey] != null && dflt[rankKey] !== 0) {
    const change = (100 * (best[rankKey] - dflt[rankKey])) / Math.abs(dflt[rankKey]);
    const words = rankKey === "energy_per_success_j"
      ? `${fixed(Math.abs(change), 0)} % ${change <= 0 ? "less" : "more"} energy per passed answer`
      : `${fixed(Math.abs(change), 0)} % ${change >= 0 ? "more" : "less"} score per Wh`;
    const same = overlap(best.ci95?.avg_score_percent, dflt.ci95?.avg_score_percent)
      || best.avg_score_percent === dflt.avg_score_percent;
    const diff = best.avg_score_percent - dflt.avg_score_percent;
    vs = ` — ${words} than at its default limit, ${same ? "the same score within error"
      : `${fixed(Math.abs(diff), 1)} pts ${diff < 0 ? "lower" : "higher"} score`}`;
  } else if (!dflt) {
    vs = " (no runs of it at the card's default limit to compare with)";
  }
  return `${config(best)}: ${plusMinus("avg_score_percent", best)}, `
    + `${metric("energy_per_success_j", best.energy_per_success_j)} per passed answer${vs}.`;
}

export function recommend(ctx) {
  const surf = ctx.d["duckdb_model_tdp.json"];
  const bar = readBar(ctx.st);
  const { key, label } = RANKINGS[bar.rank];
  const higher = ctx.formulas.metrics[key]?.better === "higher";
  const all = surf.rows.filter((r) => ctx.filt.model(r.model) && ctx.filt.gpu(r.gpu_key));
  const ok = all.filter((r) => r.comparable && meets(r, bar) && r[key] != null);
  ok.sort((a, b) => (higher ? b[key] - a[key] : a[key] - b[key])
    || a.model.localeCompare(b.model) || (a.power_applied_w ?? -1) - (b.power_applied_w ?? -1));
  const ranked = rankWithTies(ok, key);
  const left = all.length - ok.length;
  const set = (patch) => ctx.set(patch);
  const controls = h("div", { class: "controls", id: "recommend-controls" },
    h("label", {}, "Need ",
      h("select", { id: "need-kind", onchange: (e) => set({ need: `${e.target.value}:${bar.value}` }) },
        Object.entries(BARS).map(([k, b]) => h("option", { value: k, selected: k === bar.kind }, b.label)))),
    " ",
    h("input", { id: "need-value", type: "number", min: "0", max: "100", step: "any",
      value: String(bar.value), "aria-label": `${BARS[bar.kind].label} (${BARS[bar.kind].unit})`,
      onchange: (e) => set({ need: `${bar.kind}:${e.target.value === "" ? 0 : Number(e.target.value)}` }) }),
    ` ${BARS[bar.kind].unit}; rank by `,
    h("select", { id: "rank-by", "aria-label": "rank by",
      onchange: (e) => set({ rank: e.target.value === "energy" ? "" : e.target.value }) },
      Object.entries(RANKINGS).map(([k, v]) => h("option", { value: k, selected: k === bar.rank }, v.label))));
  const intro = `Configurations (model × GPU × power limit) that meet the bar, best first by ${label}, `
    + "balanced over the compared task set by the rebuild (brackets: 95 % intervals over tasks). "
    + "Configurations whose intervals overlap the leader's share its rank (a tie). "
    + "GPU and models: the filter bar; the task, family and power filters do not apply here. "
    + "Click a configuration to see its model at every power limit.";
  if (!ranked.length) {
    // Why, in the operator's terms: nothing comparable is a coverage problem the bar cannot fix.
    const n = (surf.compared_tasks || []).length;
    const why = all.length && !all.some((r) => r.comparable)
      ? `None of the ${all.length} visible configuration(s) is comparable: none has graded runs of all ${n} compared task(s) and passes something, so none can be ranked on the same tasks. Each model × power limit ran only some of the tasks: run the missing ones (the models view pools a model's power limits and compares models over their tasks).`
      : `No configuration meets the bar (${left} of ${all.length} visible configuration(s) miss it, are not comparable, or have no ${label}).`;
    return section("recommend", "Which model at which power limit?", intro, controls, empty(why));
  }
  const tbl = table({
    id: "recommend-table", rows: ranked, rowKey: (r) => `${r.model}|${r.gpu_key}|${r.power_applied_w ?? "none"}`,
    sort: `rank:asc`, onSelect: (r) => set({ model: r.model, view: "model-power" }), selected: null,
    columns: [
      { key: "rank", label: "rank", fmt: (r) => (r.tie ? `${r.rank} (tie)` : String(r.rank)) },
      { key: "model", label: "model", fmt: (r) => r.model },
      { key: "gpu_name", label: "GPU", fmt: (r) => r.gpu_name || "no GPU" },
      { key: "power_applied_w", label: "power limit",
        fmt: (r) => `${watts(r.power_applied_w)}${powerRequests(r.power_requests)}` },
      { key: "avg_score_percent", label: "avg score", better: "higher",
        fmt: (r) => [metric("avg_score_percent", r.avg_score_percent), " ", h("span", { class: "ci" }, interval("avg_score_percent", r.ci95?.avg_score_percent))] },
      { key: "success_rate", label: "success rate", better: "higher", fmt: (r) => metric("success_rate", r.success_rate) },
      { key: "energy_per_success_j", label: "energy per passed answer", better: "lower",
        fmt: (r) => [metric("energy_per_success_j", r.energy_per_success_j), " ", h("span", { class: "ci" }, interval("energy_per_success_j", r.ci95?.energy_per_success_j))] },
      { key: "score_per_wh", label: "score/Wh", better: "higher", fmt: (r) => metric("score_per_wh", r.score_per_wh) },
      { key: "runs", label: "runs", fmt: (r) => num(r.runs) },
    ],
  });
  const best = h("p", { class: "answer-line", id: "recommend-sentence" }, sentence(ranked[0], all, key));
  const more = left ? h("p", { class: "meta" }, `${left} other visible configuration(s) miss the bar, are not comparable (they do not cover the compared task set, or pass nothing) or have no ${label}.`) : null;
  return section("recommend", "Which model at which power limit?", intro, controls, best, tbl, more);
}
