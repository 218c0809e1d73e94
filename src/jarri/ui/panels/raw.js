import { h, section, empty } from "../dom.js";
import { num } from "../format.js";
import { load } from "../data.js";

const CHUNK = 100;  // children rendered per "show more": big files stay responsive

// A collapsible tree, built lazily: a node's children are created when it is opened.
function node(key, value) {
  if (value === null || typeof value !== "object") {
    return h("div", { class: "leaf" }, h("span", { class: "key" }, key), ": ",
      h("span", { class: `val ${value === null ? "null" : typeof value}` }, JSON.stringify(value)));
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const det = h("details", {}, h("summary", {}, h("span", { class: "key" }, key),
    Array.isArray(value) ? ` [${num(entries.length)}]` : ` {${num(entries.length)}}`));
  let shown = 0;
  const more = () => {
    const next = entries.slice(shown, shown + CHUNK).map(([k, v]) => node(k, v));
    shown += next.length;
    det.querySelector(":scope > .more")?.remove();
    det.append(...next);
    if (shown < entries.length) det.append(h("button", { class: "more", onclick: more }, `show ${num(Math.min(CHUNK, entries.length - shown))} more of ${num(entries.length - shown)}`));
  };
  det.addEventListener("toggle", () => { if (det.open && shown === 0) more(); });
  return det;
}

function search(value, needle, path = "$", out = []) {
  if (out.length >= 200) return out;
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
      const p = Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`;
      if (String(k).toLowerCase().includes(needle)) out.push([p, v]);
      search(v, needle, p, out);
    }
  } else if (String(value).toLowerCase().includes(needle)) out.push([path, value]);
  return out;
}

export function raw(ctx) {
  const files = ctx.d["data_index.json"].rows;
  const file = ctx.st.raw;
  const list = h("select", { id: "raw-file", "aria-label": "surface file", onchange: (e) => ctx.set({ raw: e.target.value }) },
    h("option", { value: "" }, `choose one of ${num(files.length + 1)} files`),
    [{ file: "data_index.json", bytes: null, description: "this index" }, ...files].map((f) =>
      h("option", { value: f.file, selected: f.file === file }, `${f.file}${f.bytes ? ` (${num(f.bytes)} bytes)` : ""} — ${f.description}`)));
  const find = h("input", { id: "raw-search", type: "search", placeholder: "search keys and values",
    "aria-label": "search keys and values" });
  const results = h("div", { id: "raw-results" });
  const tree = h("div", { id: "raw-tree", class: "tree" }, file ? h("p", {}, "Loading …") : empty("Choose a file."));
  if (file) {
    load(file).then((obj) => {
      const root = node(file, obj);
      root.open = true;
      tree.replaceChildren(root);
      find.addEventListener("input", () => {
        const needle = find.value.trim().toLowerCase();
        if (!needle) { results.replaceChildren(); return; }
        const hits = search(obj, needle);
        results.replaceChildren(h("p", {}, `${hits.length >= 200 ? "first 200" : hits.length} match(es)`),
          h("ul", {}, hits.map(([p, v]) => h("li", {}, h("code", {}, p), ": ",
            typeof v === "object" && v !== null ? (Array.isArray(v) ? `[${v.length}]` : "{…}") : JSON.stringify(v)))));
      });
    }).catch((e) => tree.replaceChildren(empty(`Could not load ${file}: ${e.message}`)));
  }
  return section("raw", "Raw JSON", "Every exported file. Nodes open lazily; search lists matching paths.",
    h("p", { class: "controls" }, list, " ", find), results, tree);
}
