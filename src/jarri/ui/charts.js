// Small hand-written SVG charts. Labels and hover texts are SVG text nodes (inert).
import { s } from "./dom.js";
import { num } from "./format.js";

const W = 560, H = 300, M = { l: 60, r: 16, t: 12, b: 44 };

function scale(values, lo, hi) {
  let a = Math.min(...values), b = Math.max(...values);
  if (!Number.isFinite(a)) { a = 0; b = 1; }
  if (a === b) { a -= 1; b += 1; }
  const pad = (b - a) * 0.06;
  a -= pad; b += pad;
  return { f: (v) => lo + ((v - a) / (b - a)) * (hi - lo), a, b };
}

function axes(x, y, xLabel, yLabel) {
  const g = s("g", { class: "axes" });
  g.append(s("line", { x1: M.l, y1: H - M.b, x2: W - M.r, y2: H - M.b }));
  g.append(s("line", { x1: M.l, y1: M.t, x2: M.l, y2: H - M.b }));
  for (let i = 0; i <= 4; i++) {
    const xv = x.a + ((x.b - x.a) * i) / 4, yv = y.a + ((y.b - y.a) * i) / 4;
    g.append(s("text", { x: x.f(xv), y: H - M.b + 16, "text-anchor": "middle" }, num(xv, 1)));
    g.append(s("text", { x: M.l - 6, y: y.f(yv) + 4, "text-anchor": "end" }, num(yv, 1)));
  }
  g.append(s("text", { x: (M.l + W - M.r) / 2, y: H - 6, "text-anchor": "middle", class: "label" }, xLabel));
  g.append(s("text", { x: 14, y: (M.t + H - M.b) / 2, transform: `rotate(-90 14 ${(M.t + H - M.b) / 2})`, "text-anchor": "middle", class: "label" }, yLabel));
  return g;
}

// The chart's text alternative: what it plots, and where the same numbers are as text.
function alt(kind, n, xLabel, yLabel, tableId) {
  return `${kind} of ${yLabel} against ${xLabel}, ${n} point${n === 1 ? "" : "s"}`
    + (tableId ? `; the table ${tableId} lists the same values` : "");
}

// points: [{x, y, label, on (frontier), degenerate}]
export function scatter(points, { xLabel, yLabel, id, tableId }) {
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", id, role: "img",
    "aria-label": alt("Scatter plot", points.length, xLabel, yLabel, tableId) });
  if (!points.length) {
    svg.append(s("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "no points with this axis measured"));
    return svg;
  }
  const x = scale(points.map((p) => p.x), M.l, W - M.r);
  const y = scale(points.map((p) => p.y), H - M.b, M.t);
  svg.append(axes(x, y, xLabel, yLabel));
  const front = points.filter((p) => p.on).sort((a, b) => a.x - b.x);
  if (front.length > 1) {
    svg.append(s("polyline", { class: "frontier", points: front.map((p) => `${x.f(p.x)},${y.f(p.y)}`).join(" ") }));
  }
  for (const p of points) {
    svg.append(s("circle", { cx: x.f(p.x), cy: y.f(p.y), r: p.on ? 6 : 4,
      class: p.degenerate ? "point degenerate" : p.on ? "point on" : "point" },
      s("title", {}, p.label)));
  }
  return svg;
}

// series: [{name, points: [{x, y, label}]}]
export function lines(series, { xLabel, yLabel, id, tableId }) {
  const all = series.flatMap((se) => se.points);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", id, role: "img",
    "aria-label": alt(`Line chart (${series.length} series)`, all.length, xLabel, yLabel, tableId) });
  if (!all.length) {
    svg.append(s("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "no power levels with this value measured"));
    return svg;
  }
  const x = scale(all.map((p) => p.x), M.l, W - M.r);
  const y = scale(all.map((p) => p.y), H - M.b, M.t);
  svg.append(axes(x, y, xLabel, yLabel));
  series.forEach((se, i) => {
    // legend: one coloured name per series, top right
    svg.append(s("text", { x: W - M.r - 4, y: M.t + 12 + 14 * i, "text-anchor": "end", class: `legend s${i % 6}` }, se.name || "no GPU"));
    const pts = [...se.points].sort((a, b) => a.x - b.x);
    svg.append(s("polyline", { class: `series s${i % 6}`, points: pts.map((p) => `${x.f(p.x)},${y.f(p.y)}`).join(" ") }));
    for (const p of pts) svg.append(s("circle", { cx: x.f(p.x), cy: y.f(p.y), r: 4, class: `point s${i % 6}` }, s("title", {}, p.label)));
  });
  return svg;
}
