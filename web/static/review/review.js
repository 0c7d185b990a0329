// The review page: the queue as a table beside a map; accept, reject or edit one item or
// the ticked ones. Every text reaches the page through textContent, never as HTML.
const config = JSON.parse(document.getElementById("review-config").textContent);
const csrf = JSON.parse(document.getElementById("csrf").textContent);
const text = config.text;
const empty = { type: "FeatureCollection", features: [] };
let shown = empty;

const map = new maplibregl.Map({
  container: "map", bounds: config.bounds, fitBoundsOptions: { padding: 20 },
  style: {
    version: 8,
    sources: { items: { type: "geojson", data: empty, promoteId: "key" } },
    layers: [
      { id: "background", type: "background", paint: { "background-color": "#f2efe9" } },
      { id: "item-lines", type: "line", source: "items", filter: ["!=", ["geometry-type"], "Point"],
        paint: { "line-width": 3, "line-color": ["match", ["get", "kind"], "duplicate", "#d7301f", "#2c7bb6"] } },
      { id: "item-points", type: "circle", source: "items", filter: ["==", ["geometry-type"], "Point"],
        paint: { "circle-radius": ["case", ["boolean", ["feature-state", "chosen"], false], 9, 6],
                 "circle-color": ["match", ["get", "kind"], "duplicate", "#d7301f", "#2c7bb6"],
                 "circle-stroke-color": "#fff", "circle-stroke-width": 2 } },
    ],
  },
});
map.addControl(new maplibregl.NavigationControl(), "top-right");
window.infracensusReviewMap = map;  // for scripts driving the page (tests, screenshots)

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else node[key] = value;
  }
  node.append(...children);
  return node;
}

async function load() {
  const status = document.getElementById("status").value;
  const answer = await fetch(`${config.items}?status=${encodeURIComponent(status)}`);
  shown = await answer.json();
  for (const f of shown.features) f.properties.key = f.id;
  render();
  map.getSource("items").setData(shown);
  map.once("idle", () => { document.getElementById("map").dataset.ready = "true"; });
}

function render() {
  const body = document.querySelector("#items tbody");
  body.replaceChildren(...shown.features.map(row));
  document.getElementById("empty").hidden = shown.features.length > 0;
  document.getElementById("count").textContent = `${shown.features.length} ${text.count}`;
  document.getElementById("select-all").checked = false;
}

function row(feature) {
  const p = feature.properties;
  const tick = el("input", { type: "checkbox", className: "pick" });
  const cells = [p.batch.slice(0, 8), p.row, text[p.kind] || p.kind, p.layer, p.source_id || "—",
    p.field || "—", p.value === null ? "—" : String(p.value), p.reason, text[p.status] || p.status];
  const tr = el("tr", { dataset: { batch: p.batch, row: String(p.row), key: feature.id } },
    [el("td", {}, [tick]), ...cells.map((c) => el("td", { textContent: String(c) })), actions(p)]);
  tr.classList.toggle("decided", p.status !== "open");
  tr.addEventListener("click", (event) => { if (event.target.tagName === "TD") focus(feature, tr); });
  return tr;
}

function actions(p) {
  if (p.status !== "open") return el("td", { textContent: p.decided_by || "" });
  const accept = el("button", { type: "button", className: "accept", textContent: text.accept });
  const reject = el("button", { type: "button", className: "reject", textContent: text.reject });
  const edits = el("input", { type: "text", className: "edits", placeholder: text.edit_hint,
    value: p.field && p.field !== "geometry" ? `${p.field}=` : "" });
  const edit = el("button", { type: "button", className: "edit", textContent: text.edit });
  accept.addEventListener("click", () => send(p.batch, [p.row], "accept"));
  reject.addEventListener("click", () => send(p.batch, [p.row], "reject"));
  edit.addEventListener("click", () => send(p.batch, [p.row], "edit", parseEdits(edits.value)));
  return el("td", { className: "actions" }, [accept, reject, edits, edit]);
}

function parseEdits(value) {
  const out = {};
  for (const part of value.split(/[;；]/)) {
    const at = part.indexOf("=");
    if (at > 0) out[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return out;
}

function focus(feature, tr) {
  document.querySelectorAll("#items tr.chosen").forEach((r) => r.classList.remove("chosen"));
  tr.classList.add("chosen");
  for (const f of shown.features) map.setFeatureState({ source: "items", id: f.id }, { chosen: f.id === feature.id });
  if (feature.geometry) {
    const [w, s, e, n] = bounds(feature.geometry);
    map.fitBounds([[w, s], [e, n]], { maxZoom: 18, padding: 60, duration: 0 });
  }
}

function bounds(geometry) {
  const flat = JSON.stringify(geometry.coordinates).match(/-?\d+(\.\d+)?(e-?\d+)?/g).map(Number);
  const xs = flat.filter((_, i) => i % 2 === 0), ys = flat.filter((_, i) => i % 2 === 1);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

async function send(batch, rows, decision, edits = {}) {
  const error = document.getElementById("error");
  error.hidden = true;
  const answer = await fetch(config.decisions, {
    method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify({ batch, rows, decision, edits }),
  });
  const body = await answer.json();
  if (!answer.ok) {
    error.textContent = body.detail || answer.statusText;
    error.hidden = false;
    return false;
  }
  await load();
  return true;
}

async function bulk(decision) {
  const byBatch = new Map();
  for (const tick of document.querySelectorAll("#items input.pick:checked")) {
    const tr = tick.closest("tr");
    if (!byBatch.has(tr.dataset.batch)) byBatch.set(tr.dataset.batch, new Set());
    byBatch.get(tr.dataset.batch).add(Number(tr.dataset.row));
  }
  for (const [batch, rows] of byBatch) {
    if (!(await send(batch, [...rows], decision))) return;
  }
}

document.getElementById("select-all").addEventListener("change", (event) => {
  document.querySelectorAll("#items input.pick").forEach((t) => { t.checked = event.target.checked; });
});
document.getElementById("accept-selected").addEventListener("click", () => bulk("accept"));
document.getElementById("reject-selected").addEventListener("click", () => bulk("reject"));
document.getElementById("status").addEventListener("change", load);
map.on("load", load);
