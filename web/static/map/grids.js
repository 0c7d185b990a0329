// Responsibility grids: their names as HTML labels (no glyphs offline) and the grid choices.
import { el, getJSON } from "./dom.js";

const LABEL_MIN_ZOOM = 12;

export async function addGrids(map, config) {
  const grids = await getJSON(`/api/grids?lang=${config.lang}`);
  for (const grid of grids) {
    const label = el("div", { className: "grid-label", textContent: grid.name });
    new maplibregl.Marker({ element: label }).setLngLat([grid.lon, grid.lat]).addTo(map);
  }
  const boxes = Object.fromEntries(grids.map((g) => [g.code, g.bbox]));
  for (const select of document.querySelectorAll("select.grid-choice")) {
    select.append(...grids.map((g) => el("option", { value: g.code, textContent: g.name })));
    // Choosing a grid (to filter or to select by) shows the whole grid.
    select.addEventListener("change", () => boxes[select.value] && map.fitBounds(boxes[select.value], { padding: 30 }));
  }
  const container = document.getElementById("map");
  const follow = () => container.classList.toggle("map-zoomed-out", map.getZoom() < LABEL_MIN_ZOOM);
  map.on("zoomend", follow);
  follow();
}
