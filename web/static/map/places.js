// Orientation from the registry's own data: road and courtyard names as labels (HTML, so no
// glyph server is needed offline), shown from street level up.
import { el, getJSON } from "./dom.js";

const PLACE_MIN_ZOOM = 15;

export async function addPlaces(map) {
  const places = await getJSON("/api/places");
  for (const place of places) {
    const label = el("div", { className: `place-label ${place.kind}`, textContent: place.name, dataset: { kind: place.kind } });
    new maplibregl.Marker({ element: label }).setLngLat([place.lon, place.lat]).addTo(map);
  }
  const container = document.getElementById("map");
  const follow = () => container.classList.toggle("places-hidden", map.getZoom() < PLACE_MIN_ZOOM);
  map.on("zoomend", follow);
  follow();
}
