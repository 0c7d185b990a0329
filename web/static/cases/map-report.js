// On the map page: overdue cases as red rings (a click opens that case), and reporting a
// problem: the inspector's own position (navigator.geolocation) or a tap on the map places a
// draggable pin, open cases of the same kind nearby are shown before filing ("already
// reported?"), and the form (photo from the camera) posts to /api/cases. The form is a sheet:
// beside the map on a desk, over its lower half on a phone.
import { el, getJSON } from "../map/dom.js";
import { deadlineStatus, localTime } from "../app/time.js";
import { flush, keep, waiting } from "./outbox.js";

const lang = JSON.parse(document.getElementById("map-config").textContent).lang;
const map = window.infracensusMap;
const OVERDUE = "overdue-cases";
document.head.append(el("link", { rel: "stylesheet", href: new URL("./map-report.css", import.meta.url).href }));

if (map.loaded()) start(); else map.once("load", start);

async function start() {
  const form = await getJSON(`/api/cases/categories?lang=${lang}`);
  addOverdue(form.text);
  map.addControl(new ReportControl(form), "top-left");
  const sendWaiting = () => flush((report) => post(report, form.text))
    .then((refused) => showOutbox(form.text, refused)).catch((error) => showOutbox(form.text, [error.message]));
  window.addEventListener("online", sendWaiting);
  sendWaiting();
}

// How many reports wait on this device, and why the server refused any.
async function showOutbox(text, refused = []) {
  const badge = document.getElementById("outbox");
  const count = (await waiting()).length;
  badge.hidden = count === 0;
  badge.textContent = `${text.outbox} ${count}${refused.length ? ` · ${refused.join("; ")}` : ""}`;
  badge.dataset.count = String(count);
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
    this.button.addEventListener("click", () => openReport(this.form, this.button));
    const outbox = el("span", { id: "outbox", hidden: true, role: "status" });
    return el("div", { className: "maplibregl-ctrl maplibregl-ctrl-group report-control" }, [this.button, outbox]);
  }

  onRemove() { this.button.parentNode.remove(); }
}

// One report at a time: its sheet, pin and the map click that places the pin.
let current = null;

function openReport(form, button) {
  current?.close();
  const text = form.text;
  const sheet = el("aside", { id: "report-sheet" });
  const fields = reportForm(form);
  const where = el("p", { className: "report-where", textContent: text.report_hint });
  const locate = el("button", { type: "button", id: "use-location", textContent: text.use_location });
  const nearby = el("div", { className: "report-nearby", role: "status" });
  const close = el("button", { type: "button", id: "report-close", "aria-label": text.close, textContent: "×" });
  sheet.append(close, el("h2", { textContent: text.report }), locate, where, nearby, fields);
  document.getElementById("app").append(sheet);
  document.getElementById("sidebar").classList.remove("open");
  button.classList.add("active");
  const report = { lngLat: null, marker: null };
  const place = (lngLat) => {
    report.lngLat = maplibregl.LngLat.convert(lngLat);
    if (!report.marker) {
      report.marker = new maplibregl.Marker({ color: "#b42318", draggable: true }).setLngLat(report.lngLat).addTo(map);
      report.marker.getElement().id = "report-pin";
      report.marker.on("dragend", () => place(report.marker.getLngLat()));
    }
    report.marker.setLngLat(report.lngLat);
    where.textContent = `${report.lngLat.lat.toFixed(5)}, ${report.lngLat.lng.toFixed(5)} · ${text.move_pin}`;
    fields.querySelector("button[type=submit]").disabled = false;
    showNearby(nearby, report.lngLat, fields.category.value, text);
  };
  const onMapClick = (event) => { if (!report.lngLat) place(event.lngLat); };
  map.on("click", onMapClick);
  document.body.dataset.placing = "true";  // the map's asset click stands aside meanwhile (app.js)
  locate.addEventListener("click", () => locateMe(where, text, (lngLat) => {
    place(lngLat);
    map.easeTo({ center: lngLat, zoom: Math.max(map.getZoom(), 17) });
  }));
  fields.category.addEventListener("change", () => report.lngLat && showNearby(nearby, report.lngLat, fields.category.value, text));
  fields.addEventListener("submit", (event) => { event.preventDefault(); send(fields, report.lngLat, text); });
  current = {
    sheet, place, close() {
      map.off("click", onMapClick);
      report.marker?.remove();
      sheet.remove();
      button.classList.remove("active");
      delete document.body.dataset.placing;
      current = null;
    },
  };
  close.addEventListener("click", () => current?.close());
}

function reportForm(form) {
  const text = form.text;
  const options = form.categories.map((c) => el("option", { value: c.code, textContent: `${c.label}（${text.limit} ${c.limit}）` }));
  return el("form", { id: "report-form" }, [
    el("label", {}, [text.category, el("select", { name: "category", required: true }, options)]),
    el("label", {}, [text.description, el("textarea", { name: "description", rows: 2 })]),
    el("label", {}, [text.photo, el("input", { name: "photo", type: "file", accept: "image/*", capture: "environment" })]),
    el("button", { type: "submit", textContent: text.send, disabled: true }),
    el("p", { className: "report-result", role: "status" }),
  ]);
}

function locateMe(where, text, found) {
  if (!navigator.geolocation) { where.textContent = text.no_location; return; }
  where.textContent = text.locating;
  navigator.geolocation.getCurrentPosition(
    (position) => found([position.coords.longitude, position.coords.latitude]),
    () => { where.textContent = text.no_location; },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
}

// "Already reported?": open cases of the chosen kind within 100 m, before a duplicate is filed.
async function showNearby(box, lngLat, category, text) {
  const query = new URLSearchParams({ lang, category, near: `${lngLat.lng.toFixed(7)},${lngLat.lat.toFixed(7)}`, per_page: "5" });
  let found;
  try {
    found = await getJSON(`/api/cases?${query}`);
  } catch (error) {
    box.replaceChildren(el("p", { className: "none-near", textContent: error instanceof TypeError ? text.no_signal_near : error.message }));
    return;
  }
  if (!found.count) { box.replaceChildren(el("p", { className: "none-near", textContent: text.none_near })); return; }
  box.replaceChildren(el("p", { className: "near-open", textContent: `${text.near_open} (${found.count})` }),
    el("ul", {}, found.cases.map((c) => el("li", { dataset: { id: c.id } }, [
      el("a", { href: c.page, textContent: `${text.case} ${c.id}` }),
      ` · ${c.state_label} · `, el("time", { dateTime: c.reported_at, textContent: localTime(c.reported_at) })]))));
}

function reportOf(fields, lngLat) {
  const data = new FormData(fields);
  const photo = data.get("photo");
  return { category: data.get("category"), description: data.get("description") || "",
           lon: lngLat.lng.toFixed(7), lat: lngLat.lat.toFixed(7),
           photo: photo && photo.size ? photo : null, saved_at: new Date().toISOString() };
}

// Posts one report; a report kept offline says when it was made, since the server stamps
// the moment it arrives.
async function post(report, text) {
  const data = new FormData();
  for (const key of ["category", "lon", "lat"]) data.set(key, report[key]);
  const when = report.queued ? `〔${text.offline_note} ${localTime(report.saved_at)}〕` : "";
  data.set("description", [report.description, when].filter(Boolean).join(" "));
  if (report.photo) data.set("photo", report.photo, report.photo.name || "photo.jpg");
  const session = await getJSON("/auth/session");
  const found = await getJSON(`/api/cases?lang=${lang}`, { method: "POST", body: data, headers: { "X-CSRF-Token": session.csrf_token } });
  map.getSource(OVERDUE)?.setData(`/api/cases/overdue.geojson?lang=${lang}`);
  return found;
}

async function send(fields, lngLat, text) {
  const result = fields.querySelector(".report-result");
  if (!lngLat) { result.textContent = text.report_hint; return; }
  const report = reportOf(fields, lngLat);
  const submit = fields.querySelector("button[type=submit]");
  try {
    if (navigator.onLine === false) throw new TypeError("offline");
    const found = await post(report, text);
    result.replaceChildren(`${text.reported}: ${text.case} ${found.id} · ${found.category_label} · ${found.department} · `,
      el("a", { href: `/cases/mine?lang=${lang}`, textContent: text.my_reports }));
    submit.disabled = true;
  } catch (exc) {
    if (!(exc instanceof TypeError)) { result.textContent = exc.message; return; }
    await keep({ ...report, queued: true });  // no signal: kept on the device, sent when back
    result.textContent = text.saved_offline;
    submit.disabled = true;
    showOutbox(text);
  }
}
