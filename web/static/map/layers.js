// The layer list (toggle + legend) and the filters, which re-request every layer's tiles.
import { el, swatch } from "./dom.js";

function styleLayerIds(map, name) {
  return map.getStyle().layers.map((l) => l.id).filter((id) => id.startsWith(`${name}-`));
}

export function addLayerList(map, config) {
  const list = document.getElementById("layers");
  for (const layer of config.layers) {
    const toggle = el("input", { type: "checkbox", checked: true, name: layer.name });
    toggle.addEventListener("change", () => {
      for (const id of styleLayerIds(map, layer.name)) {
        map.setLayoutProperty(id, "visibility", toggle.checked ? "visible" : "none");
      }
    });
    const [head, ...rows] = layer.legend;
    const legend = el("div", { className: "legend" },
      rows.map((row) => el("div", {}, [swatch(row.colour), row.label])));
    list.append(el("li", {}, [el("label", {}, [toggle, " ", swatch(head.colour), head.label]), legend]));
  }
}

export function addFilters(map, config, view) {
  const form = document.getElementById("filters");
  form.material.append(...config.materials.map((m) => el("option", { value: m.value, textContent: m.label })));
  const baseTiles = Object.fromEntries(config.layers.map((l) => [l.name, map.getStyle().sources[l.name].tiles[0]]));
  const apply = () => {
    view.filters = new URLSearchParams([...new FormData(form)].filter(([, v]) => v !== ""));
    const query = view.filters.toString();
    for (const [name, url] of Object.entries(baseTiles)) {
      map.getSource(name).setTiles([query ? `${url}?${query}` : url]);
    }
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); apply(); });
  form.addEventListener("reset", () => setTimeout(apply));
}
