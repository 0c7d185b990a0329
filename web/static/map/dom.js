// Tiny DOM helpers: every text reaches the page through textContent, never as HTML.

export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

export function swatch(colour) {
  return el("span", { className: "swatch", style: `background:${colour}` });
}

export async function getJSON(url, options) {
  // What the user asked for goes before the map's tiles in the browser's connection queue.
  const response = await fetch(url, { priority: "high", ...options });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || response.statusText);
  return body;
}
