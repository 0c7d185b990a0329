// The asset panel: attributes with their labels and units, the survey's own columns when the
// asset carries them, then history as one timeline in Beijing time.
import { el, getJSON } from "./dom.js";
import { localTime } from "../app/time.js";

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
      [el("time", { dateTime: entry.at, textContent: localTime(entry.at) }), entry.text]));
    const exportLink = el("a", { href: asset.export, textContent: `${text.export} GeoJSON`, download: "" });
    this.body.replaceChildren(
      el("h2", { textContent: asset.title }), el("table", {}, [el("tbody", {}, rows)]),
      ...sourceAttributes(asset.source_attributes, text), exportLink,
      el("h3", { textContent: text.history }), el("ol", { className: "timeline" }, timeline));
    this.root.dataset.uuid = uuid;
    this.root.dataset.layer = asset.layer;
    this.root.hidden = false;
    document.getElementById("sidebar").classList.remove("open");  // a phone shows one sheet at a time
  }
}

// The survey's original columns and raw values, exactly as delivered: nothing is relabelled.
function sourceAttributes(source, text) {
  if (!source || typeof source !== "object" || !Object.keys(source).length) return [];
  const rows = Object.entries(source).map(([column, value]) => el("tr", { dataset: { column } }, [
    el("th", { textContent: column }),
    el("td", { textContent: value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value) })]));
  return [el("details", { className: "source-attributes" }, [
    el("summary", { textContent: text.source_attributes }), el("table", {}, [el("tbody", {}, rows)])])];
}
