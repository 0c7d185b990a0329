// The case list: a click on a row opens its panel (details, photos, history, next moves);
// a move posts with the version it was decided on, so a stale panel gets the 409 back.
import { el, getJSON } from "../map/dom.js";

const config = JSON.parse(document.getElementById("cases-config").textContent);
const text = config.text;
const panel = document.getElementById("case-panel");
const body = document.getElementById("case-panel-body");
document.getElementById("case-panel-close").addEventListener("click", () => { panel.hidden = true; });

for (const row of document.querySelectorAll("#cases tbody tr[data-id]")) {
  row.addEventListener("click", () => openCase(row.dataset.id));
  row.addEventListener("keydown", (event) => event.key === "Enter" && openCase(row.dataset.id));
}

async function openCase(id) {
  const found = await getJSON(`/api/cases/${encodeURIComponent(id)}?lang=${config.lang}`);
  document.querySelectorAll("#cases tr.selected").forEach((r) => r.classList.remove("selected"));
  document.querySelector(`#cases tr[data-id="${CSS.escape(id)}"]`)?.classList.add("selected");
  show(found);
}

function show(found) {
  const facts = [
    [text.category, found.category_label], [text.state, found.state_label + (found.overdue ? ` · ${text.overdue}` : "")],
    [text.grid, found.grid_name || ""], [text.department, found.department],
    [text.reporter, found.reporter], [text.reported_at, found.reported_at],
    [text.deadline, found.deadline ? `${found.deadline} (${found.limit})${provisional(found)}` : found.limit],
    [text.asset, found.asset_uuid ? `${found.asset_layer} ${found.asset_uuid} (${found.asset_distance_m} m)` : "—"],
    [text.description, found.description],
  ];
  const rows = facts.map(([label, value]) => el("tr", {}, [el("th", { textContent: label }), el("td", { textContent: value })]));
  const photos = found.photos.map((p) => el("img", { src: p.url, alt: p.name }));
  const history = found.history.map((h) => el("li", {}, [el("time", { textContent: h.at }),
    `${h.who} · ${h.move} → ${h.to}${h.note ? ` · ${h.note}` : ""}`]));
  body.replaceChildren(el("h2", { textContent: `${text.case} ${found.id}` }),
    el("table", {}, [el("tbody", {}, rows)]), ...photos, moveForm(found),
    el("h3", { textContent: text.history }), el("ol", { className: "timeline" }, history));
  panel.classList.toggle("overdue", found.overdue);
  panel.dataset.id = found.id;
  panel.hidden = false;
}

function provisional(found) {
  return found.provisional_years.length ? ` · ${text.provisional}: ${text.provisional_why} ${found.provisional_years.join(", ")}` : "";
}

function moveForm(found) {
  const note = el("input", { name: "note", placeholder: text.note });
  const hours = el("input", { name: "hours", type: "number", min: "0.5", step: "0.5", placeholder: text.hours });
  const error = el("p", { className: "error", role: "alert" });
  const buttons = found.moves.map((m) => el("button", { type: "button", textContent: m.label, dataset: { move: m.move } }));
  for (const button of buttons) {
    button.addEventListener("click", () => send(found, button.dataset.move, note.value, hours.value, error));
  }
  return el("div", {}, [el("div", { className: "moves" }, buttons), note, hours, error]);
}

async function send(found, move, note, hours, error) {
  const session = await getJSON("/auth/session");
  try {
    const moved = await getJSON(`/api/cases/${encodeURIComponent(found.id)}/moves?lang=${config.lang}`, {
      method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": session.csrf_token },
      body: JSON.stringify({ move, note, hours: hours || 0, expected_version: found.version }),
    });
    const row = document.querySelector(`#cases tr[data-id="${CSS.escape(moved.id)}"]`);
    if (row) {
      row.cells[2].textContent = moved.state_label;
      row.classList.toggle("overdue", moved.overdue);
    }
    await openCase(moved.id);
  } catch (exc) {
    error.textContent = exc.message;
  }
}
