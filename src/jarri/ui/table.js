// A sortable table. Columns: {key, label, fmt(row) -> text, value(row) -> sortable, title}.
import { h } from "./dom.js";

export function table({ id, columns, rows, sort, onSort, onSelect, selected, rowKey }) {
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
  const head = h("tr", {}, columns.map((c) => h("th", {
    title: c.title || null, "data-key": c.key, class: c.key === sortKey ? `sorted ${dir}` : null,
    onclick: onSort ? () => onSort(`${c.key}:${c.key === sortKey && dir === "asc" ? "desc" : "asc"}`) : null,
  }, c.label, c.key === sortKey ? (dir === "desc" ? " ▼" : " ▲") : "")));
  const body = sorted.map((r) => h("tr", {
    class: rowKey && selected && rowKey(r) === selected ? "selected" : null,
    "data-row": rowKey ? rowKey(r) : null,
    onclick: onSelect ? () => onSelect(r) : null,
  }, columns.map((c) => h("td", { "data-key": c.key, class: c.cls ? c.cls(r) : null },
    c.fmt ? c.fmt(r) : String(r[c.key] ?? "–")))));
  return h("table", { id, class: onSelect ? "data selectable" : "data" },
    h("thead", {}, head), h("tbody", {}, body));
}
