// Boots the map page: reads the server's config, builds the map and wires each tool to it.
import { addLayerList, addFilters } from "./layers.js";
import { addGrids } from "./grids.js";
import { addPlaces } from "./places.js";
import { addSearch } from "./search.js";
import { AssetPanel } from "./panel.js";
import { addSelection } from "./selection.js";

const config = JSON.parse(document.getElementById("map-config").textContent);

// The registry's tiles are fetched at low priority, and abortably: MapLibre aborts the request
// of a tile that left the view, and what the user asked for (a search, a panel) goes first
// in the browser's queue instead of waiting behind a few hundred tiles.
maplibregl.addProtocol("registry-tiles", async (params, abort) => {
  const response = await fetch(params.url.replace(/^registry-tiles:/, location.protocol),
                               { signal: abort.signal, priority: "low" });
  if (!response.ok) throw new Error(`tile ${response.status}: ${params.url}`);
  return { data: await response.arrayBuffer() };
});
const viaTileProtocol = (url, kind) =>
  (kind === "Tile" && new URL(url).pathname.startsWith("/tiles/") ? { url: url.replace(/^https?:/, "registry-tiles:") } : { url });

const map = new maplibregl.Map({
  container: "map", style: config.style, bounds: config.bounds, fitBoundsOptions: { padding: 20 },
  hash: true,  // the view is in the address (#zoom/lat/lon): links open where they were taken
  transformRequest: viaTileProtocol,
});
map.addControl(new maplibregl.NavigationControl(), "top-right");
// For scripts driving the page (screenshots, browser tests): where is this lon/lat on screen?
window.infracensusMap = map;
map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");

const view = { filters: new URLSearchParams() };
// On a phone the tools are a bottom sheet, folded until asked for.
const sheet = document.getElementById("sidebar");
document.getElementById("sheet-toggle").addEventListener("click", (event) => {
  event.currentTarget.setAttribute("aria-expanded", String(sheet.classList.toggle("open")));
});
const panel = new AssetPanel(config);

map.on("load", async () => {
  addLayerList(map, config);
  addFilters(map, config, view);
  addSearch(map, config, panel);
  // Registered before the drawer's own click handler, so the click ending a drawing is not
  // also taken as a click on an asset.
  // While a report is being placed (cases/map-report.js) a tap places its pin, nothing else.
  map.on("click", (event) => selection.drawing() || document.body.dataset.placing || openAssetAt(event));
  const selection = addSelection(map, config, view, panel);
  // Road and courtyard names orient; they need not hold up the first frame.
  addPlaces(map).catch((error) => console.warn("no place names:", error.message));
  await addGrids(map, config);
  // Tells screenshot tools and tests that the first full frame is drawn.
  map.once("idle", () => { document.getElementById("map").dataset.ready = "true"; });
});

// Every drawn style layer of an asset layer answers a click: fills, lines, circles and the
// clusters of low zooms (not the selection rings, which sit over a drawn asset anyway).
export function clickableLayers(map, config) {
  const assets = new Set(config.layers.filter((l) => !l.grid).map((l) => l.name));
  return map.getStyle().layers.filter((l) => assets.has(l.source) && !l.id.endsWith("-selected"))
    .map((l) => l.id);
}

function openAssetAt(event) {
  const { x, y } = event.point;
  const layers = clickableLayers(map, config);
  const [hit] = map.queryRenderedFeatures([[x - 4, y - 4], [x + 4, y + 4]], { layers });
  if (!hit) return;
  // A cluster stands for many assets: zoom in on it until they are drawn one by one.
  if (hit.properties.count !== undefined) map.easeTo({ center: event.lngLat, zoom: map.getZoom() + 2 });
  else panel.open(hit.properties.uuid);
}
