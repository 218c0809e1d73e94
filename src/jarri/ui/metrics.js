// The metrics, evaluated from the envelope's `formulas` (analysis/metrics.py) over task-level
// rows (duckdb_model_task_tdp.json: each cell's integer sums), with the rebuild's rules
// (analysis/balanced.py): every metric is factor × B(num) / B(den), where B(q) is the
// balanced mean — for each task the mean of q over the task's runs where q is defined, then
// the mean over the tasks — so a filtered set of rows aggregates exactly like the rebuild.

// Python's math.fsum (Shewchuk's exact partials, correctly rounded): sums do not depend on
// the order of the rows, as in the rebuild.
export function fsum(values) {
  const p = [];
  for (let x of values) {
    let i = 0;
    for (let j = 0; j < p.length; j++) {
      let y = p[j];
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p.length = i;
    p.push(x);
  }
  let n = p.length;
  if (!n) return 0;
  let hi = p[--n], lo = 0;
  while (n > 0) {
    const x = hi, y = p[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
    const y = lo * 2, x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

// Python's round(v, 6): the nearest 6-decimal number, exact ties to even.
export function r6(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  const a = Math.abs(v);
  if (a >= 1e15) return v;
  let out = Number(a.toFixed(6));
  const full = a.toFixed(100);  // the exact decimal expansion of the double
  const dot = full.indexOf(".");
  if (/^50*$/.test(full.slice(dot + 7))) {
    const down = full.slice(0, dot + 7);
    if (Number(down[down.length - 1]) % 2 === 0) out = Number(down);
  }
  return v < 0 ? -out : out;
}

// Tasks every model with graded runs among `rows` has graded runs of (the rebuild's common
// task set); [] when there is none.
export function commonTasks(rows, formulas) {
  const corr = formulas.correctness_quantity;
  const graded = new Map();
  for (const r of rows) {
    if (!((r.sums?.[corr]?.[1] || 0) > 0)) continue;
    if (!graded.has(r.model)) graded.set(r.model, new Set());
    graded.get(r.model).add(r.task_key);
  }
  if (!graded.size) return [];
  const [first, ...rest] = graded.values();
  return [...first].filter((t) => rest.every((s) => s.has(t))).sort();
}

// The compared task set of `rows`: the common task set, or every task of the rows if none.
export function comparedTasks(rows, formulas) {
  const common = commonTasks(rows, formulas);
  if (common.length) return { tasks: common, common: true };
  return { tasks: [...new Set(rows.map((r) => r.task_key))].sort(), common: false };
}

// One row over task-level rows: analysis/balanced.py aggregate(), with its arithmetic. Each
// row carries its cell's exact integer sums ({stem: [sum, count]}, energy stems per class
// as "<q>__<class>"); per task they are added as integers (exact below 2^53), divided as
// the rebuild divides, and averaged over tasks with fsum. `compared`: the task set the row
// is compared on (default: the tasks of its rows); rows of other tasks are left out.
export function aggregate(rows, formulas, compared) {
  const F = formulas;
  const energy = new Set(F.energy_quantities || []);
  const someTasks = new Set(F.some_tasks || []);
  const corr = F.correctness_quantity;
  const byTask = new Map();
  for (const r of rows) {
    if (!byTask.has(r.task_key)) byTask.set(r.task_key, { runs: 0, ungraded: 0, sums: new Map() });
    const t = byTask.get(r.task_key);
    t.runs += r.runs || 0;
    t.ungraded += r.ungraded || 0;
    for (const [stem, [sv, nv]] of Object.entries(r.sums || {})) {
      const cur = t.sums.get(stem) || [0, 0];
      t.sums.set(stem, [cur[0] + sv, cur[1] + nv]);
    }
  }
  const present = [...byTask.keys()].filter((k) => byTask.get(k).runs > 0).sort();
  const wanted = compared == null ? present : present.filter((k) => new Set(compared).has(k));
  const nCompared = compared == null ? wanted.length : new Set(compared).size;
  const tasks = wanted.map((k) => byTask.get(k));
  const get = (t, stem) => t.sums.get(stem) || [0, 0];
  const covered = tasks.filter((t) => get(t, corr)[1] > 0);

  // one energy class: the first (in preference order) with valid energy on every covered
  // task; else the first with any (the row's energy figures are then null)
  const first = energy.values().next().value;
  const has = (t, c) => get(t, `${first}__${c}`)[1] > 0;
  let cls = null, complete = false;
  if (covered.length) {
    cls = F.energy_classes.find((c) => covered.every((t) => has(t, c))) ?? null;
    complete = cls !== null;
    if (!complete) cls = F.energy_classes.find((c) => covered.some((t) => has(t, c))) ?? null;
  }

  const b = {};
  const out = {};
  for (const q of F.quantities) {
    const stem = energy.has(q) ? (cls ? `${q}__${cls}` : null) : q;
    const usable = stem !== null && (complete || !energy.has(q));
    const scale = F.scales[q];
    let S = 0, N = 0;
    const means = covered.map((t) => {
      const [sv, nv] = usable ? get(t, stem) : [0, 0];
      S += sv;
      N += nv;
      return nv > 0 ? sv / scale / nv : null;
    });
    out[`sum_${q}`] = usable ? r6(S / scale) : 0;
    out[`n_${q}`] = usable ? N : 0;
    const defined = means.filter((v) => v !== null);
    const whole = defined.length === means.length || someTasks.has(q);
    b[q] = defined.length && whole ? fsum(defined) / defined.length : null;
  }
  for (const [name, m] of Object.entries(F.metrics)) {
    const num = b[m.num];
    const den = m.den == null ? 1.0 : b[m.den];
    out[name] = num == null || den == null || den === 0 ? null : r6((m.factor * num) / den);
  }
  const runs = tasks.reduce((a, t) => a + t.runs, 0);
  const energyRuns = out[`n_${first}`];
  Object.assign(out, {
    runs,
    ungraded: tasks.reduce((a, t) => a + t.ungraded, 0),
    graded_runs: covered.reduce((a, t) => a + get(t, corr)[1], 0),
    passed_runs: covered.reduce((a, t) => a + get(t, "passed")[0], 0),
    tasks_in_slice: covered.length,
    tasks_compared: nCompared,
    coverage: nCompared ? r6(covered.length / nCompared) : null,
    energy_class: cls,
    energy_runs: energyRuns,
    energy_coverage: runs ? r6(energyRuns / runs) : null,
    skipped_energy: runs - energyRuns,
    skipped_output_tokens: runs - out.n_output_tokens,
  });
  const reasons = [];
  if (covered.length < nCompared) reasons.push(`covers ${covered.length} of ${nCompared} compared tasks`);
  if (!((out.success_rate || 0) > 0)) reasons.push("passes nothing (success rate 0)");
  out.comparable = !reasons.length;
  out.not_comparable_because = reasons;
  return out;
}

// Relative to the best *comparable* row among the rows given (the visible ones): the rows
// that are not comparable get null (surfaces/relative.py).
export function vsBest(rows) {
  const ok = rows.filter((r) => r.comparable);
  const toks = ok.map((r) => r.avg_output_tokens).filter((v) => v > 0);
  const wh = ok.map((r) => r.score_per_wh).filter((v) => v > 0);
  const minTok = toks.length ? Math.min(...toks) : null;
  const maxWh = wh.length ? Math.max(...wh) : null;
  for (const r of rows) {
    const fair = Boolean(r.comparable);
    const t = r.avg_output_tokens, s = r.score_per_wh;
    r.output_token_waste = fair && t && minTok ? r6(t / minTok) : null;
    r.score_per_wh_vs_best = fair && s != null && maxWh ? r6(s / maxWh) : null;
  }
  return rows;
}

// Pareto frontier over the comparable points given: maximise score, minimise cost
// (surfaces/pareto.py). A point that passes nothing is never on it.
export function frontier(points, cost) {
  const cand = points.filter((p) => p.comparable && p[cost] != null && p.avg_score_percent != null);
  return new Set(cand.filter((p) => !cand.some((q) => q !== p
    && q.avg_score_percent >= p.avg_score_percent && q[cost] <= p[cost]
    && (q.avg_score_percent > p.avg_score_percent || q[cost] < p[cost]))));
}

export const degenerate = (r) => !((r.success_rate || 0) > 0);
