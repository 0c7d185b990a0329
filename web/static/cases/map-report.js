// On the map page: overdue cases as red rings from a GeoJSON source, and reporting a
// problem by clicking where it is (the form posts to /api/cases with the photo).
import { el, getJSON } from "../map/dom.js";
import { deadlineStatus, localTime } from "../app/time.js";

const lang = JSON.parse(document.getElementById("map-config").textContent).lang;
const map = window.infracensusMap;
const OVERDUE = "overdue-cases";
document.head.append(el("link", { rel: "stylesheet", href: new URL("./map-report.css", import.meta.url).href }));

if (map.loaded()) start(); else map.once("load", start);

async function start() {
  const form = await getJSON(`/api/cases/categories?lang=${lang}`);
  addOverdue(form.text);
  map.addControl(new ReportControl(form), "top-left");
}

function addOverdue(text) {
  map.addSource(OVERDUE, { type: "geojson", data: `/api/cases/overdue.geojson?lang=${lang}` });
  map.addLayer({ id: OVERDUE, type: "circle", source: OVERDUE, paint: {
    "circle-radius": 7, "circle-color": "#ffffff", "circle-stroke-color": "#b42318", "circle-stroke-width": 3 } });
  map.on("click", OVERDUE, (event) => {
    const { id, category, department, deadline, url } = event.features[0].properties;
    const link = el("a", { href: url, textContent: `${text.case} ${id}` });
    const late = deadlineStatus(deadline, null, new Date(), lang);
    const body = el("div", { className: "case-popup" }, [link, el("p", { textContent: `${category} · ${department}` }),
      el("p", {}, [el("span", { className: `deadline ${late.state}`, textContent: late.text }),
                   ` · ${text.deadline} `, el("time", { dateTime: deadline, textContent: localTime(deadline) })])]);
    new maplibregl.Popup().setLngLat(event.lngLat).setDOMContent(body).addTo(map);
  });
}

class ReportControl {
  constructor(form) { this.form = form; }

  onAdd() {
    const text = this.form.text;
    this.button = el("button", { type: "button", id: "report-problem", textContent: text.report, title: text.report_hint });
    this.button.addEventListener("click", () => this.arm());
    return el("div", { className: "maplibregl-ctrl maplibregl-ctrl-group" }, [this.button]);
  }

  onRemove() { this.button.parentNode.remove(); }

  arm() {
    map.getCanvas().style.cursor = "crosshair";
    this.button.classList.add("active");
    map.once("click", (event) => {
      map.getCanvas().style.cursor = "";
      this.button.classList.remove("active");
      this.openForm(event.lngLat);
    });
  }

  openForm(lngLat) {
    const text = this.form.text;
    const options = this.form.categories.map((c) => el("option", { value: c.code, textContent: `${c.label} (${c.limit})` }));
    const fields = el("form", { id: "report-form" }, [
      el("label", {}, [text.category, el("select", { name: "category", required: true }, options)]),
      el("label", {}, [text.description, el("textarea", { name: "description", rows: 2 })]),
      el("label", {}, [text.photo, el("input", { name: "photo", type: "file", accept: "image/jpeg,image/png,image/webp" })]),
      el("button", { type: "submit", textContent: text.send }), el("p", { className: "report-result", role: "status" }),
    ]);
    const popup = new maplibregl.Popup({ closeOnClick: false, maxWidth: "280px" }).setLngLat(lngLat).setDOMContent(fields).addTo(map);
    fields.addEventListener("submit", (event) => { event.preventDefault(); send(fields, lngLat, text, popup); });
  }
}

async function send(fields, lngLat, text, popup) {
  const data = new FormData(fields);
  data.set("lon", lngLat.lng.toFixed(7));
  data.set("lat", lngLat.lat.toFixed(7));
  const result = fields.querySelector(".report-result");
  try {
    const session = await getJSON("/auth/session");
    const found = await getJSON(`/api/cases?lang=${lang}`, { method: "POST", body: data, headers: { "X-CSRF-Token": session.csrf_token } });
    result.textContent = `${text.reported}: ${text.case} ${found.id} · ${found.category_label} · ${found.department}`;
    fields.querySelector("button[type=submit]").disabled = true;
    popup.once("close", () => map.getSource(OVERDUE).setData(`/api/cases/overdue.geojson?lang=${lang}`));
  } catch (exc) {
    result.textContent = exc.message;
  }
}
