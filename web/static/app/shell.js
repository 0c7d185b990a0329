// The shell of every page: the menu button on small screens, and every server-printed
// <time datetime> shown in Beijing time.
import { localiseTimes } from "./time.js";

const toggle = document.getElementById("nav-toggle");
toggle?.addEventListener("click", () => {
  const open = document.body.classList.toggle("nav-open");
  toggle.setAttribute("aria-expanded", String(open));
});
localiseTimes(document);

// The installable web app: its service worker keeps the pages for when there is no signal.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((error) => console.warn("no offline pages:", error.message));
}
