/*
 * Building page elements without ever parsing HTML: the one DOM helper of both browser pages.
 *
 * The agent console imports it as a module (served by the handoff service at /console/dom.js);
 * the web chat widget, a classic script in shops' pages, loads this same file with import()
 * from the folder it came from (served by the Rasa server at /webchat/dom.js).
 * Every text goes in as a text node or through textContent.
 */

const SVG_NS = "http://www.w3.org/2000/svg";

/*
 * el(tag, attrs, children) builds an element.
 * attrs: `className`; `text` (the element's textContent); `onclick`, `onkeydown`... (listeners);
 * any other key is an attribute (true: present and empty; false, null, undefined: left out).
 * children: nodes, or strings and numbers (text nodes); null and undefined are skipped.
 */
export function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) { continue; }
    if (key === "className") { node.className = value; }
    else if (key === "text") { node.textContent = String(value); }
    else if (key.startsWith("on")) { node.addEventListener(key.slice(2), value); }
    else { node.setAttribute(key, value === true ? "" : String(value)); }
  }
  for (const child of children || []) {
    if (child === null || child === undefined) { continue; }
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return node;
}

// An SVG element; `text` becomes its text content.
export function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) { node.setAttribute(key, String(value)); }
  if (text !== undefined) { node.textContent = text; }
  return node;
}

export function $(id) { return document.getElementById(id); }

export function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

export function show(node, visible) { node.hidden = !visible; }

export function all(selector) { return Array.from(document.querySelectorAll(selector)); }
