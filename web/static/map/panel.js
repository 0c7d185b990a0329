// The asset panel: attributes with their labels and units, then history as one timeline.
import { el, getJSON } from "./dom.js";

export class AssetPanel {
  constructor(config) {
    this.config = config;
    this.root = document.getElementById("panel");
    this.body = document.getElementById("panel-body");
    document.getElementById("panel-close").addEventListener("click", () => { this.root.hidden = true; });
  }

  async open(uuid) {
    const asset = await getJSON(`/api/assets/${encodeURIComponent(uuid)}?lang=${this.config.lang}`);
    const text = this.config.text;
    const rows = asset.attributes.map((a) => el("tr", { dataset: { field: a.name } },
      [el("th", { textContent: a.label }), el("td", { textContent: a.value })]));
    const timeline = asset.timeline.map((entry) => el("li", { className: entry.kind },
      [el("time", { textContent: entry.at }), entry.text]));
    const exportLink = el("a", { href: asset.export, textContent: `${text.export} GeoJSON`, download: "" });
    this.body.replaceChildren(
      el("h2", { textContent: asset.title }), el("table", {}, [el("tbody", {}, rows)]), exportLink,
      el("h3", { textContent: text.history }), el("ol", { className: "timeline" }, timeline));
    this.root.dataset.uuid = uuid;
    this.root.hidden = false;
  }
}
