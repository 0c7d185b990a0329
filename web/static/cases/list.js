// The case list: a click on a row opens its panel (details, photos, history, next moves);
// a move posts with the version it was decided on, so a stale panel gets the 409 back.
// Times show in Beijing time; open deadlines as time left (yellow near the end) or overdue (red).
import { el, getJSON } from "../map/dom.js";
import { deadlineStatus, localTime } from "../app/time.js";

const config = JSON.parse(document.getElementById("cases-config").textContent);
const settings = JSON.parse(document.getElementById("app-settings").textContent);
const text = config.text;
const panel = document.getElementById("case-panel");
const body = document.getElementById("case-panel-body");
document.getElementById("case-panel-close").addEventListener("click", () => { panel.hidden = true; });

for (const row of document.querySelectorAll("#cases tbody tr[data-id]")) {
  row.addEventListener("click", () => openCase(row.dataset.id));
  row.addEventListener("keydown", (event) => event.key === "Enter" && openCase(row.dataset.id));
}
showDeadlines(document);
if (config.opened) openCase(config.opened);

/** Fills every .deadline[data-deadline] with the time left or overdue by, coloured. */
export function showDeadlines(root) {
  for (const node of root.querySelectorAll(".deadline[data-deadline]")) {
    const status = deadlineStatus(node.dataset.deadline, node.dataset.start, new Date(), config.lang,
                                  settings.deadline_warning_share);
    node.textContent = status.text;
    node.className = `deadline ${status.state}`;
  }
}

async function openCase(id) {
  const found = await getJSON(`/api/cases/${encodeURIComponent(id)}?lang=${config.lang}`);
  document.querySelectorAll("#cases tr.selected").forEach((r) => r.classList.remove("selected"));
  document.querySelector(`#cases tr[data-id="${CSS.escape(id)}"]`)?.classList.add("selected");
  show(found);
}

function deadlineCell(found) {
  if (!found.deadline) return [found.limit];
  const parts = [el("time", { dateTime: found.deadline, textContent: localTime(found.deadline) }), ` (${found.limit})`];
  if (["registered", "dispatched"].includes(found.state)) {
    parts.push(" ", el("span", { className: "deadline", dataset: { deadline: found.deadline, start: found.clock_started_at || found.reported_at } }));
  }
  if (found.provisional_years.length) parts.push(` · ${text.provisional}: ${text.provisional_why} ${found.provisional_years.join(", ")}`);
  return parts;
}

function show(found) {
  const distance = found.asset_distance_m === null ? "" : ` (${Math.round(found.asset_distance_m)} m)`;
  const facts = [
    ["category", text.category, [found.category_label]],
    ["state", text.state, [found.state_label + (found.overdue ? ` · ${text.overdue}` : "")]],
    ["grid", text.grid, [found.grid_name || ""]], ["department", text.department, [found.department]],
    ["reporter", text.reporter, [found.reporter]],
    ["reported_at", text.reported_at, [el("time", { dateTime: found.reported_at, textContent: localTime(found.reported_at) })]],
    ["deadline", text.deadline, deadlineCell(found)],
    ["asset", text.asset, [found.asset_uuid ? `${found.asset_label || found.asset_layer}${distance}` : "—"]],
    ["description", text.description, [found.description]],
  ];
  const rows = facts.map(([key, label, value]) => el("tr", { dataset: { fact: key } }, [el("th", { textContent: label }), el("td", {}, value)]));
  const photos = found.photos.map((p) => el("img", { src: p.url, alt: p.name }));
  const history = found.history.map((h) => el("li", {}, [el("time", { dateTime: h.at, textContent: localTime(h.at) }),
    // 立案, not "立案 → 立案": the state is named only where it differs from the move.
    `${h.who} · ${h.move_label}${h.to_label && h.to_label !== h.move_label ? ` → ${h.to_label}` : ""}${h.note ? ` · ${h.note}` : ""}`]));
  body.replaceChildren(el("h2", { textContent: `${text.case} ${found.id}` }),
    el("table", {}, [el("tbody", {}, rows)]), ...photos, moveForm(found),
    el("h3", { textContent: text.history }), el("ol", { className: "timeline" }, history));
  showDeadlines(body);
  panel.classList.toggle("overdue", found.overdue);
  panel.dataset.id = found.id;
  panel.hidden = false;
  if (matchMedia("(max-width: 720px)").matches) panel.scrollIntoView({ block: "start" });
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
      if (!["registered", "dispatched"].includes(moved.state)) row.querySelector(".deadline")?.remove();
    }
    await openCase(moved.id);
  } catch (exc) {
    error.textContent = exc.message;
  }
}
