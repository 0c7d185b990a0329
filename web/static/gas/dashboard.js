// The gas dashboard's map: courtyards coloured by state, the mains drawn from the registry's
// tiles, and the isolation trace of a clicked main (a click off every main says so, in words).
const config = JSON.parse(document.getElementById("gas-config").textContent);
const empty = { type: "FeatureCollection", features: [] };
const c = config.colours;

const map = new maplibregl.Map({
  container: "map", bounds: config.bounds, fitBoundsOptions: { padding: 20 },
  style: {
    version: 8,
    sources: { courtyards: { type: "geojson", data: config.courtyards }, trace: { type: "geojson", data: empty },
               mains: { type: "vector", tiles: [location.origin + config.mains_tiles] } },
    layers: [
      { id: "background", type: "background", paint: { "background-color": "#f2efe9" } },
      { id: "courtyards", type: "fill", source: "courtyards", paint: {
        "fill-color": ["match", ["get", "state"], "done", c.done, "in_progress", c.in_progress, c.pending],
        "fill-opacity": 0.85, "fill-outline-color": "#555" } },
      { id: "mains-line", type: "line", source: "mains", "source-layer": "gas_mains", filter: ["!", ["has", "count"]],
        paint: { "line-width": 2, "line-color": "#08306b" }, layout: { "line-cap": "round" } },
      { id: "mains-cluster", type: "circle", source: "mains", "source-layer": "gas_mains", filter: ["has", "count"],
        paint: { "circle-radius": 5, "circle-color": "#08306b", "circle-opacity": 0.6 } },
      { id: "trace-mains", type: "line", source: "trace", filter: ["==", ["geometry-type"], "LineString"],
        paint: { "line-width": 4, "line-color": ["match", ["get", "role"], "isolated", "#7b3294", "#2c7bb6"] } },
      { id: "trace-valves", type: "circle", source: "trace", filter: ["==", ["geometry-type"], "Point"],
        paint: { "circle-radius": 6, "circle-color": "#000", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } },
    ],
  },
});
map.addControl(new maplibregl.NavigationControl(), "top-right");
window.infracensusGasMap = map;  // for scripts driving the page (tests, screenshots)

map.on("load", () => {
  map.on("click", clickAt);
  map.once("idle", () => { document.getElementById("map").dataset.ready = "true"; });
});

function clickAt(event) {
  const { x, y } = event.point;
  const [hit] = map.queryRenderedFeatures([[x - 5, y - 5], [x + 5, y + 5]], { layers: ["mains-line", "mains-cluster"] });
  const result = document.getElementById("trace-result");
  if (!hit) { showHint(result, config.text.trace_miss); return; }
  // Clustered mains (far out): zoom in until one can be picked.
  if (hit.properties.count !== undefined) { map.easeTo({ center: event.lngLat, zoom: map.getZoom() + 2 }); return; }
  traceMain(hit.properties, result);
}

function showHint(result, words) {
  result.hidden = false;
  result.textContent = words;
  delete result.dataset.households;
}

async function traceMain(main, result) {
  const params = new URLSearchParams({ main: main.uuid });
  document.getElementById("trace-main").textContent = [config.text.main, main.gbt_code || main.source_id].filter(Boolean).join(" ");
  const answer = await fetch(`${config.isolate}?${params}`);
  const body = await answer.json();
  result.hidden = false;
  if (!answer.ok) { result.textContent = body.detail; return; }
  result.textContent = config.text.trace_result.replace("{valves}", body.valves_to_close.length)
    .replace("{length}", body.length_without_gas_m).replace("{households}", body.households);
  result.dataset.households = body.households;
  params.set("f", "geojson");
  const link = document.getElementById("trace-download");
  link.href = `${config.isolate}?${params}`;
  link.hidden = false;
  const trace = await (await fetch(link.href)).json();
  map.getSource("trace").setData(trace);
  map.once("idle", () => { result.dataset.drawn = "true"; });
}
