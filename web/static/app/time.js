// Times as people read them: stored UTC, shown in Beijing time (Asia/Shanghai), and deadlines
// as time remaining or overdue by. The one formatter every page uses.
//
//   localTime("2026-12-09T10:00:00.000Z")                       → "2026-12-09 18:00"
//   deadlineStatus("2026-12-09T10:00:00Z", "2026-12-09T08:00:00Z", new Date("2026-12-09T09:00:00Z"), "zh")
//     → { state: "ok", text: "剩余 1小时" }      (state "warning" past 80 % of the limit, "overdue" after)

export const TIME_ZONE = "Asia/Shanghai";
const FORMAT = new Intl.DateTimeFormat("en-CA", {
  timeZone: TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});
const MINUTE = 60_000;
const UNITS = {  // the largest unit that fits is used: 2天, 3小时, 45分钟
  zh: [[1440, "天"], [60, "小时"], [1, "分钟"]],
  en: [[1440, " d", " days", " day"], [60, " h", " hours", " hour"], [1, " min", " minutes", " minute"]],
};
const WORDS = {
  zh: { left: (d) => `剩余 ${d}`, over: (d) => `超期 ${d}` },
  en: { left: (d) => `${d} left`, over: (d) => `overdue by ${d}` },
};

/** A moment (ISO text, Date or ms) as "YYYY-MM-DD HH:MM" in Beijing time; a bare date stays as it is. */
export function localTime(moment) {
  if (moment === null || moment === undefined || moment === "") return "";
  if (typeof moment === "string" && /^\d{4}-\d{2}-\d{2}$/.test(moment)) return moment;
  const date = moment instanceof Date ? moment : new Date(moment);
  if (Number.isNaN(date.getTime())) return String(moment);  // never hide what was stored
  const p = Object.fromEntries(FORMAT.formatToParts(date).map((part) => [part.type, part.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** A length of time in words: 2小时, 3天, 45分钟 (en: 2 hours, 3 days, 45 minutes). */
export function duration(minutes, lang = "zh") {
  const units = UNITS[lang] || UNITS.zh;
  const abs = Math.max(0, Math.abs(minutes));
  const [size, ...names] = units.find(([size]) => abs >= size) || units[units.length - 1];
  const count = Math.max(1, Math.floor(abs / size));
  if (lang !== "en") return `${count}${names[0]}`;
  return `${count}${count === 1 ? names[2] : names[1]}`;
}

/**
 * Where a deadline stands at `now`: "ok", "warning" once `warnShare` of the time from `start`
 * to the deadline has passed, "overdue" after it; with the words to show.
 */
export function deadlineStatus(deadline, start, now = new Date(), lang = "zh", warnShare = 0.8) {
  const words = WORDS[lang] || WORDS.zh;
  const due = new Date(deadline).getTime();
  const left = due - now.getTime();
  if (left < 0) return { state: "overdue", text: words.over(duration(-left / MINUTE, lang)) };
  const begun = start ? new Date(start).getTime() : NaN;
  const share = Number.isNaN(begun) || due <= begun ? 0 : (now.getTime() - begun) / (due - begun);
  return { state: share >= warnShare ? "warning" : "ok", text: words.left(duration(left / MINUTE, lang)) };
}

/** Rewrites every <time datetime> under `root` into Beijing time (server pages print UTC). */
export function localiseTimes(root = document) {
  for (const node of root.querySelectorAll("time[datetime]")) {
    node.textContent = localTime(node.getAttribute("datetime"));
    node.title = `${node.getAttribute("datetime")} (UTC)`;
  }
}
