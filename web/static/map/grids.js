// Responsibility grids: their names as HTML labels (no glyphs offline), the grid choices, and
// the initial view framing them all.
import { el, getJSON } from "./dom.js";

const LABEL_MIN_ZOOM = 12;

export async function addGrids(map, config) {
  const grids = await getJSON(`/api/grids?lang=${config.lang}`);
  for (const grid of grids) {
    const label = el("div", { className: "grid-label", textContent: grid.name });
    new maplibregl.Marker({ element: label }).setLngLat([grid.lon, grid.lat]).addTo(map);
  }
  for (const select of document.querySelectorAll("select.grid-choice")) {
    select.append(...grids.map((g) => el("option", { value: g.code, textContent: g.name })));
  }
  const container = document.getElementById("map");
  const follow = () => container.classList.toggle("map-zoomed-out", map.getZoom() < LABEL_MIN_ZOOM);
  map.on("zoomend", follow);
  follow();
  if (grids.length) map.fitBounds(outerBox(grids), { padding: 20, animate: false });
}

function outerBox(grids) {
  const boxes = grids.map((g) => g.bbox);
  return [[Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1]))],
          [Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))]];
}
