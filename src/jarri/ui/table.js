// A sortable table. Columns: {key, label, fmt(row) -> text, value(row) -> sortable, title,
// better: "higher" (the first click sorts descending)}. Every table sorts: one given onSort
// keeps its own URL key; the others keep their sort in the URL's "ts" by table id. Headers
// are buttons and selectable rows take the keyboard (Enter or Space), so neither needs a
// mouse.
import { h } from "./dom.js";
import * as state from "./state.js";

// A CSV cell: the raw value where the row has one (numbers unrounded), else the text shown;
// quoted when needed; a leading = + - @ (a spreadsheet would run it as a formula) gets a '.
function csvCell(c, r) {
  const raw = c.value ? c.value(r) : r[c.key];
  let v;
  if (raw === null || raw === undefined) v = "";
  else if (["number", "string", "boolean"].includes(typeof raw)) v = String(raw);
  else v = c.fmt ? textOf(c.fmt(r)) : JSON.stringify(raw);
  if (/^[=+\-@\t\r]/.test(v) && !/^-?[0-9.]+(e[-+]?[0-9]+)?$/i.test(v)) v = `'${v}`;
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function textOf(x) {
  if (x === null || x === undefined || x === false) return "";
  if (Array.isArray(x)) return x.map(textOf).join("");
  if (x instanceof Node) return x.textContent;
  return String(x);
}

export function toCsv(columns, rows) {
  const head = columns.map((c) => csvCell({ key: "label" }, { label: c.label })).join(",");
  return [head, ...rows.map((r) => columns.map((c) => csvCell(c, r)).join(","))].join("\r\n") + "\r\n";
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// Which way each metric is better ("higher" / "lower"), from the surfaces' formulas (set once
// on load): a metric column of any table sorts its better end first without saying so.
let BETTER = {};
export function setBetter(better) {
  BETTER = { ...better };
}

function firstDir(col) {
  const better = col && (col.better ?? (Object.hasOwn(BETTER, col.key) ? BETTER[col.key] : null));
  return better === "higher" ? "desc" : "asc";
}

export function table({ id, columns, rows, sort, onSort, onSelect, selected, rowKey, caption }) {
  if (!onSort && id) {
    sort = state.tableSort(state.read(), id) || sort;
    onSort = (next) => state.update({ ts: state.withTableSort(state.read(), id, next) });
  }
  const [sortKey, dir] = (sort || "").split(":");
  const col = columns.find((c) => c.key === sortKey);
  const sorted = [...rows];
  if (col) {
    const val = col.value || ((r) => r[col.key]);
    sorted.sort((a, b) => {
      const x = val(a), y = val(b);
      if (x === y) return 0;
      if (x === null || x === undefined) return 1;  // missing values last either way
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * (dir === "desc" ? -1 : 1);
    });
  }
  const next = (c) => (c.key === sortKey ? (dir === "asc" ? "desc" : "asc") : firstDir(c));
  const head = h("tr", {}, columns.map((c) => h("th", {
    title: c.title || null, "data-key": c.key, class: c.key === sortKey ? `sorted ${dir}` : null,
    scope: "col",
    "aria-sort": c.key === sortKey ? (dir === "desc" ? "descending" : "ascending") : "none",
    // On the cell, so a click anywhere in it sorts; the button inside takes the keyboard
    // (Enter or Space on it is a click that reaches the cell).
    onclick: () => onSort(`${c.key}:${next(c)}`),
  }, h("button", { type: "button", class: "sort" },
    c.label, c.key === sortKey ? (dir === "desc" ? " ▼" : " ▲") : ""))));
  const choose = (r) => (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      onSelect(r);
    }
  };
  const body = sorted.map((r) => {
    const isSel = Boolean(rowKey && selected && rowKey(r) === selected);
    return h("tr", {
      class: isSel ? "selected" : null,
      "data-row": rowKey ? rowKey(r) : null,
      tabindex: onSelect ? "0" : null,
      "aria-selected": onSelect ? String(isSel) : null,
      onclick: onSelect ? () => onSelect(r) : null,
      onkeydown: onSelect ? choose(r) : null,
    }, columns.map((c) => h("td", { "data-key": c.key, class: c.cls ? c.cls(r) : null },
      c.fmt ? c.fmt(r) : String(r[c.key] ?? "–"))));
  });
  const csv = h("button", { type: "button", class: "csv", "aria-label": `download ${id || "this table"} as CSV`,
    onclick: () => download(`${id || "table"}.csv`, toCsv(columns, sorted)) }, "CSV");
  // In a box of its own height, so a long table scrolls under its header row (sticky).
  return h("div", { class: "table-box" }, h("table", { id, class: onSelect ? "data selectable" : "data" },
    h("caption", {}, caption || null, csv),
    h("thead", {}, head), h("tbody", {}, body)));
}
