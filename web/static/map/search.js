// The search box: GB/T code, survey id, road or courtyard name; a hit flies there and opens it.
import { el, getJSON } from "./dom.js";

export function addSearch(map, config, panel) {
  const form = document.getElementById("search");
  const results = document.getElementById("search-results");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = document.getElementById("search-q").value.trim();
    if (!q) return;
    const hits = await getJSON(`/api/search?lang=${config.lang}&q=${encodeURIComponent(q)}`);
    results.replaceChildren(...hits.map((hit) => el("li", {}, [resultButton(map, panel, hit)])));
    if (!hits.length) results.replaceChildren(el("li", { textContent: config.text.no_results }));
  });
}

function resultButton(map, panel, hit) {
  const button = el("button", { type: "button", className: "link", textContent: hit.label });
  button.addEventListener("click", () => {
    // A jump, not a flight: a flight asks for the tiles of every view on its way.
    map.jumpTo({ center: [hit.lon, hit.lat], zoom: Math.max(map.getZoom(), 17) });
    panel.open(hit.uuid);
  });
  return button;
}
