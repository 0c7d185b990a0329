// Orientation from the registry's own data: road and courtyard names as labels (HTML, so no
// glyph server is needed offline), shown from street level up. Only the labels in view are on
// the page: every marker is moved on every frame, and a city has hundreds of roads.
import { el, getJSON } from "./dom.js";

const PLACE_MIN_ZOOM = 15;

export async function addPlaces(map) {
  const places = await getJSON("/api/places");
  const shown = new Map();  // place index → its marker
  const follow = () => {
    const bounds = map.getBounds();
    const wanted = new Set(map.getZoom() < PLACE_MIN_ZOOM ? [] :
      places.flatMap((p, i) => (bounds.contains([p.lon, p.lat]) ? [i] : [])));
    for (const [i, marker] of shown) if (!wanted.has(i)) { marker.remove(); shown.delete(i); }
    for (const i of wanted) {
      if (shown.has(i)) continue;
      const place = places[i];
      const label = el("div", { className: `place-label ${place.kind}`, textContent: place.name, dataset: { kind: place.kind } });
      shown.set(i, new maplibregl.Marker({ element: label }).setLngLat([place.lon, place.lat]).addTo(map));
    }
  };
  map.on("moveend", follow);
  follow();
}
