// The gas dashboard's map: courtyards coloured by state, and the isolation trace of a clicked main.
const config = JSON.parse(document.getElementById("gas-config").textContent);
const empty = { type: "FeatureCollection", features: [] };
const c = config.colours;

const map = new maplibregl.Map({
  container: "map", bounds: config.bounds, fitBoundsOptions: { padding: 20 },
  style: {
    version: 8,
    sources: { courtyards: { type: "geojson", data: config.courtyards }, trace: { type: "geojson", data: empty } },
    layers: [
      { id: "background", type: "background", paint: { "background-color": "#f2efe9" } },
      { id: "courtyards", type: "fill", source: "courtyards", paint: {
        "fill-color": ["match", ["get", "state"], "done", c.done, "in_progress", c.in_progress, c.pending],
        "fill-opacity": 0.85, "fill-outline-color": "#555" } },
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
  map.on("click", (event) => traceAt(event.lngLat));
  map.once("idle", () => { document.getElementById("map").dataset.ready = "true"; });
});

async function traceAt(lngLat) {
  const params = new URLSearchParams({ lon: lngLat.lng.toFixed(7), lat: lngLat.lat.toFixed(7) });
  const result = document.getElementById("trace-result");
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
