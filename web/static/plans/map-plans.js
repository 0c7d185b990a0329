// Repair plans on the map page: a sidebar section that builds a plan from the current
// selection (the selection's own export link carries it), a switch colouring the selected
// layer by risk, and the risk score explained in the asset panel.
import { el, getJSON } from "../map/dom.js";

const config = JSON.parse(document.getElementById("map-config").textContent);
const TEXT = {
  zh: { title: "维修计划", budget: "预算 (元)", days: "工日", crews: "班组 (逗号分隔)", build: "按风险编制计划",
        colour: "按风险着色", open: "打开计划", tasks: "工单", yuan: "元", left: "未纳入", risk: "风险评分",
        likelihood: "可能性", consequence: "后果系数", term: "因素", value: "值", points: "得分", select_first: "请先在地图上选择" },
  en: { title: "Repair plan", budget: "Budget (yuan)", days: "Crew-days", crews: "Crews (comma-separated)", build: "Plan by risk",
        colour: "Colour by risk", open: "Open the plan", tasks: "work orders", yuan: "yuan", left: "left out", risk: "Risk score",
        likelihood: "Likelihood", consequence: "Consequence", term: "Term", value: "Value", points: "Points", select_first: "Select assets on the map first" },
}[config.lang];
const RISK_COLOURS = ["interpolate", ["linear"], ["coalesce", ["get", "score"], 0], 0, "#1a9850", 50, "#fee08b", 100, "#f46d43", 150, "#a50026"];

async function post(url, body) {
  const session = await getJSON("/auth/session");
  return getJSON(url, { method: "POST", body: JSON.stringify(body),
                        headers: { "Content-Type": "application/json", "X-CSRF-Token": session.csrf_token } });
}

// The selection as /api/select took it, read back from the selection's GeoJSON export link.
function currentSelection() {
  const link = document.querySelector("#selection-export a");
  if (!link || document.getElementById("selection").hidden) return null;
  const query = new URL(link.href).searchParams;
  const picked = Object.fromEntries([...query].filter(([k, v]) => k !== "format" && v !== ""));
  if (picked.geometry) picked.geometry = JSON.parse(picked.geometry);
  return picked;
}

function addPlanSection() {
  const number = (name, label) => el("label", {}, [label, " ", el("input", { type: "number", name, min: "0", step: "any" })]);
  const form = el("form", { id: "plan-form" }, [
    number("budget_yuan", TEXT.budget), number("crew_days", TEXT.days),
    el("label", {}, [TEXT.crews, " ", el("input", { name: "crews", type: "text" })]),
    el("button", { type: "submit", textContent: TEXT.build })]);
  const result = el("div", { id: "plan-result" });
  const colour = el("input", { type: "checkbox", id: "risk-colour" });
  (document.getElementById("sidebar-tools") || document.getElementById("sidebar")).append(el("section", { id: "plans" }, [
    el("h2", { textContent: TEXT.title }), form, result, el("label", {}, [colour, " ", TEXT.colour])]));
  form.addEventListener("submit", (event) => { event.preventDefault(); buildPlan(form, result); });
  return colour;
}

async function buildPlan(form, result) {
  const selection = currentSelection();
  if (!selection) { result.replaceChildren(el("p", { textContent: TEXT.select_first })); return; }
  const values = Object.fromEntries(new FormData(form));
  try {
    const plan = await post("/api/plans", { selection, ...values });
    const t = plan.totals;
    result.replaceChildren(
      el("p", { id: "plan-summary", textContent: `${t.tasks} ${TEXT.tasks} · ${t.cost_yuan} ${TEXT.yuan} · ${plan.left_out.count} ${TEXT.left}` }),
      el("ol", { id: "plan-tasks" }, plan.tasks.map((task) => el("li", { dataset: { uuid: task.uuid } },
        [`${task.score.toFixed(2)} · ${task.gbt_code} · ${config.actions[task.action] || task.action}`]))),
      el("a", { href: `/plans/${encodeURIComponent(plan.id)}?lang=${config.lang}`, textContent: `${TEXT.open} ${plan.id}` }));
  } catch (error) {
    result.replaceChildren(el("p", { className: "error", textContent: error.message }));
  }
}

function riskLayers(map) {
  map.addSource("risk", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({ id: "risk-fill", type: "fill", source: "risk", filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": RISK_COLOURS, "fill-opacity": 0.8 } });
  map.addLayer({ id: "risk-line", type: "line", source: "risk", filter: ["==", ["geometry-type"], "LineString"], paint: { "line-color": RISK_COLOURS, "line-width": 4 } });
  map.addLayer({ id: "risk-point", type: "circle", source: "risk", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-color": RISK_COLOURS, "circle-radius": 5, "circle-stroke-color": "#fff", "circle-stroke-width": 1 } });
}

function colourByRisk(map, toggle) {
  riskLayers(map);
  const refresh = async () => {
    const empty = { type: "FeatureCollection", features: [] };
    if (!toggle.checked) { map.getSource("risk").setData(empty); return; }
    const b = map.getBounds();
    const layer = document.getElementById("select-layer").value;
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(",");
    map.getSource("risk").setData(await getJSON(`/api/plans/scores.geojson?layer=${layer}&bbox=${bbox}`));
  };
  toggle.addEventListener("change", refresh);
  document.getElementById("select-layer").addEventListener("change", refresh);
  map.on("moveend", () => toggle.checked && refresh());
}

// When the asset panel shows an asset, add its risk score, term by term.
function explainInPanel() {
  const panel = document.getElementById("panel");
  new MutationObserver(async () => {
    const uuid = panel.dataset.uuid;
    const body = document.getElementById("panel-body");
    if (!uuid || panel.hidden || body.querySelector(".risk-terms")) return;
    let found;
    try { found = await getJSON(`/api/plans/scores/${encodeURIComponent(uuid)}?lang=${config.lang}`); } catch { return; }
    if (panel.dataset.uuid !== uuid || body.querySelector(".risk-terms")) return;
    const rows = found.terms.map((t) => el("tr", { dataset: { term: t.term } }, [
      el("th", { textContent: `${t.part === "likelihood" ? "" : "× "}${t.label}` }),
      el("td", { textContent: t.value === null ? "—" : String(t.value) }),
      el("td", { className: "points", textContent: `${t.points} / ${t.weight}` })]));
    body.append(el("h3", { textContent: `${TEXT.risk} ${found.score}` }),
      el("p", { textContent: `${TEXT.likelihood} ${found.likelihood} × ${TEXT.consequence} ${found.consequence}` }),
      el("table", { className: "risk-terms" }, [el("tbody", {}, rows)]));
  }).observe(panel, { attributes: true, childList: true, subtree: true });
}

const map = window.infracensusMap;
const toggle = addPlanSection();
explainInPanel();
if (map.loaded()) colourByRisk(map, toggle); else map.once("load", () => colourByRisk(map, toggle));
