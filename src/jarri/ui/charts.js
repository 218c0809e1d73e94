// Small hand-written SVG charts. Labels and hover texts are SVG text nodes (inert).
import { h, s } from "./dom.js";
import { num } from "./format.js";

const W = 560, H = 300, M = { l: 70, r: 16, t: 12, b: 44 };

// The axis range: the values and their intervals, padded; never below 0 when nothing is
// negative (no negative joules or tokens), and a fixed range where one is given (a score
// axis runs 0-100, so a 2-point spread is not magnified).
function scale(values, lo, hi, domain, fromZero = true) {
  let a, b;
  if (domain) {
    [a, b] = domain;
    a = Math.min(a, ...values);
    b = Math.max(b, ...values);
  } else {
    a = Math.min(...values); b = Math.max(...values);
    if (!Number.isFinite(a)) { a = 0; b = 1; }
    if (a >= 0 && fromZero) a = 0;  // start at zero: the spread is seen at its true size
    if (a === b) { b = a + 1; }
    const pad = (b - a) * 0.06;
    b += pad;
    if (!fromZero) a = a >= 0 ? Math.max(0, a - pad) : a - pad;  // padded, never below 0
  }
  return { f: (v) => lo + ((v - a) / (b - a)) * (hi - lo), a, b };
}

// Tick labels short enough for the margin: 12.3k, 4.5M.
function tick(v) {
  const x = Math.abs(v);
  if (x >= 1e6) return `${num(v / 1e6, 1)}M`;
  if (x >= 1e3) return `${num(v / 1e3, 1)}k`;
  return num(v, x >= 100 ? 0 : 1);
}

function axes(x, y, xLabel, yLabel) {
  const g = s("g", { class: "axes" });
  g.append(s("line", { x1: M.l, y1: H - M.b, x2: W - M.r, y2: H - M.b }));
  g.append(s("line", { x1: M.l, y1: M.t, x2: M.l, y2: H - M.b }));
  for (let i = 0; i <= 4; i++) {
    const xv = x.a + ((x.b - x.a) * i) / 4, yv = y.a + ((y.b - y.a) * i) / 4;
    g.append(s("text", { x: x.f(xv), y: H - M.b + 16, "text-anchor": "middle", class: "tick x" }, tick(xv)));
    g.append(s("text", { x: M.l - 6, y: y.f(yv) + 4, "text-anchor": "end", class: "tick y" }, tick(yv)));
  }
  g.append(s("text", { x: (M.l + W - M.r) / 2, y: H - 6, "text-anchor": "middle", class: "label" }, xLabel));
  g.append(s("text", { x: 12, y: (M.t + H - M.b) / 2, transform: `rotate(-90 12 ${(M.t + H - M.b) / 2})`, "text-anchor": "middle", class: "label" }, yLabel));
  return g;
}

// The chart's text alternative: what it plots, and where the same numbers are as text.
function alt(kind, n, xLabel, yLabel, tableId) {
  return `${kind} of ${yLabel} against ${xLabel}, ${n} point${n === 1 ? "" : "s"}`
    + (tableId ? `; the table ${tableId} lists the same values` : "");
}

const finite = (ci) => (ci || []).filter((v) => v !== null && v !== undefined && Number.isFinite(v));

// A vertical error bar for a point's 95 % interval (unbounded ends are left open).
function errorBar(px, y, ci, cls) {
  if (!ci) return null;
  const [lo, hi] = ci;
  const top = hi == null ? M.t : y.f(hi), bottom = lo == null ? H - M.b : y.f(lo);
  const g = s("g", { class: `errorbar ${cls}` });
  g.append(s("line", { x1: px, y1: top, x2: px, y2: bottom }));
  if (hi != null) g.append(s("line", { x1: px - 4, y1: top, x2: px + 4, y2: top }));
  if (lo != null) g.append(s("line", { x1: px - 4, y1: bottom, x2: px + 4, y2: bottom }));
  return g;
}

// Hover (or tap) a point: its details in the line under the chart, for mouse and touch alike.
function withDetails(svg, hint) {
  const details = h("p", { class: "chart-details", "aria-live": "polite" }, hint);
  const show = (label) => () => { details.textContent = label; };
  for (const c of svg.querySelectorAll("circle.point")) {
    const label = c.querySelector("title")?.textContent || "";
    c.addEventListener("pointerenter", show(label));
    c.addEventListener("click", show(label));
  }
  return h("figure", { class: "chart-box" }, svg, details);
}

// points: [{x, y, label, name (short, for a frontier point), on (frontier), degenerate, yci}]
export function scatter(points, { xLabel, yLabel, id, tableId, yDomain }) {
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", id, role: "img",
    "aria-label": alt("Scatter plot", points.length, xLabel, yLabel, tableId) });
  if (!points.length) {
    svg.append(s("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "no points with this axis measured"));
    return withDetails(svg, "");
  }
  const x = scale(points.map((p) => p.x), M.l, W - M.r);
  const y = scale(points.flatMap((p) => [p.y, ...finite(p.yci)]), H - M.b, M.t, yDomain);
  svg.append(axes(x, y, xLabel, yLabel));
  const front = points.filter((p) => p.on).sort((a, b) => a.x - b.x);
  if (front.length > 1) {
    svg.append(s("polyline", { class: "frontier", points: front.map((p) => `${x.f(p.x)},${y.f(p.y)}`).join(" ") }));
  }
  for (const p of points) {
    const bar = errorBar(x.f(p.x), y, p.yci, p.on ? "on" : "");
    if (bar) svg.append(bar);
  }
  for (const p of points) {
    svg.append(s("circle", { cx: x.f(p.x), cy: y.f(p.y), r: p.on ? 6 : 4,
      class: p.degenerate ? "point degenerate" : p.on ? "point on" : "point" },
      s("title", {}, p.label)));
  }
  // frontier points carry their names: one label per spot (points on the same spot share it),
  // above and below in turn, so neighbours do not collide
  const spots = new Map();
  for (const p of front) {
    const k = `${Math.round(x.f(p.x))},${Math.round(y.f(p.y))}`;
    if (!spots.has(k)) spots.set(k, { p, names: [] });
    spots.get(k).names.push(p.name || p.label);
  }
  [...spots.values()].forEach(({ p, names }, i) => {
    const px = x.f(p.x), py = y.f(p.y) + (i % 2 ? 16 : -10);
    const anchor = px > W - 140 ? "end" : px < M.l + 60 ? "start" : "middle";
    svg.append(s("text", { x: px, y: Math.min(Math.max(py, M.t + 10), H - M.b - 4), "text-anchor": anchor,
      class: "point-label" }, names.join(", ")));
  });
  return withDetails(svg, "Hover or tap a point for its details.");
}

// series: [{name, points: [{x, y, label, yci}]}]
export function lines(series, { xLabel, yLabel, id, tableId, yDomain }) {
  const all = series.flatMap((se) => se.points);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", id, role: "img",
    "aria-label": alt(`Line chart (${series.length} series)`, all.length, xLabel, yLabel, tableId) });
  if (!all.length) {
    svg.append(s("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "no power levels with this value measured"));
    return withDetails(svg, "");
  }
  // watts: the levels' own range (0 W would squeeze them into a corner), never below 0
  const x = scale(all.map((p) => p.x), M.l, W - M.r, null, false);
  const y = scale(all.flatMap((p) => [p.y, ...finite(p.yci)]), H - M.b, M.t, yDomain);
  svg.append(axes(x, y, xLabel, yLabel));
  series.forEach((se, i) => {
    // legend: one coloured name per series, top right
    svg.append(s("text", { x: W - M.r - 4, y: M.t + 12 + 14 * i, "text-anchor": "end", class: `legend s${i % 6}` }, se.name || "no GPU"));
    const pts = [...se.points].sort((a, b) => a.x - b.x);
    svg.append(s("polyline", { class: `series s${i % 6}`, points: pts.map((p) => `${x.f(p.x)},${y.f(p.y)}`).join(" ") }));
    for (const p of pts) {
      const bar = errorBar(x.f(p.x), y, p.yci, `s${i % 6}`);
      if (bar) svg.append(bar);
      svg.append(s("circle", { cx: x.f(p.x), cy: y.f(p.y), r: 4, class: `point s${i % 6}` }, s("title", {}, p.label)));
    }
  });
  return withDetails(svg, "Hover or tap a point for its details.");
}
