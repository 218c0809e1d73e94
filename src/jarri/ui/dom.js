// Element builders. Every string from the data becomes a text node or an attribute value:
// nothing is ever parsed as HTML (model answers and names are untrusted input).
const SVG_NS = "http://www.w3.org/2000/svg";

function build(el, props, children) {
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.setAttribute("class", v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function h(tag, props, ...children) {
  return build(document.createElement(tag), props, children);
}

export function s(tag, props, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

// A panel is a named region; it scrolls sideways on a narrow screen, so it takes the
// keyboard focus too (Tab, then the arrow keys scroll it).
export function section(id, title, intro, ...body) {
  return h("section", { id, class: "panel", tabindex: "0", "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, title), intro ? h("p", { class: "intro" }, intro) : null, ...body);
}

export function empty(text) {
  return h("p", { class: "empty" }, text);
}
