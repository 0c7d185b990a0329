// Selecting assets by a drawn box, polygon or buffered line, or by grid: the server counts them
// (km for mains), lists the first ones and offers the export; the map rings what was selected.
import { Drawer } from "./draw.js";
import { el, getJSON } from "./dom.js";

export function addSelection(map, config, view, panel) {
  const form = document.getElementById("select");
  const hint = document.getElementById("draw-hint");
  form.layer.append(...config.layers.filter((l) => !l.grid).map((l) =>
    el("option", { value: l.name, textContent: l.title })));
  let highlighted = null;
  const show = (result, request) => {
    if (highlighted) map.setFilter(`${highlighted}-selected`, ["in", ["get", "uuid"], ["literal", []]]);
    highlighted = request.layer;
    map.setFilter(`${request.layer}-selected`, ["in", ["get", "uuid"], ["literal", result.features.map((f) => f.uuid)]]);
    render(config, result, request, panel);
  };
  const select = async (extra) => {
    const request = { ...Object.fromEntries(view.filters), layer: form.layer.value, ...extra };
    show(await getJSON(`/api/select?lang=${config.lang}`, { method: "POST", headers: { "Content-Type": "application/json" },
                                       body: JSON.stringify(request) }), request);
  };
  const drawer = new Drawer(map, (geometry, mode) => {
    hint.hidden = true;
    form.querySelectorAll(".tools button").forEach((b) => b.classList.remove("active"));
    select({ geometry, buffer_m: mode === "line" ? Number(form.buffer_m.value) : 0 });
  });
  form.querySelectorAll(".tools button").forEach((button) => button.addEventListener("click", () => {
    drawer.clear();
    drawer.start(button.dataset.mode);
    button.classList.add("active");
    hint.hidden = false;
  }));
  form.grid.addEventListener("change", () => form.grid.value && (drawer.clear(), select({ grid: form.grid.value })));
  return { drawing: () => drawer.mode !== null };
}

function render(config, result, request, panel) {
  const text = config.text;
  const length = result.length_km === null ? "" : ` · ${text.total_length} ${result.length_km.toFixed(2)} ${text.km}`;
  document.getElementById("selection-summary").textContent = `${text.selected} ${result.count} ${text.assets}${length}`;
  const query = new URLSearchParams({ ...request, geometry: request.geometry ? JSON.stringify(request.geometry) : "" });
  document.getElementById("selection-export").replaceChildren(`${text.export}: `,
    ...["geojson", "csv", "gpkg"].map((format) => {
      query.set("format", format);
      return el("a", { href: `/api/export?${query}`, textContent: format.toUpperCase(), download: "" });
    }));
  document.getElementById("selection-list").replaceChildren(...result.features.map((f) => {
    const button = el("button", { type: "button", className: "link", textContent: f.label });
    button.addEventListener("click", () => panel.open(f.uuid));
    return el("li", {}, [button]);
  }));
  document.getElementById("selection").hidden = false;
}
