// The shell of every page: the menu button on small screens, and every server-printed
// <time datetime> shown in Beijing time.
import { localiseTimes } from "./time.js";

const toggle = document.getElementById("nav-toggle");
toggle?.addEventListener("click", () => {
  const open = document.body.classList.toggle("nav-open");
  toggle.setAttribute("aria-expanded", String(open));
});
localiseTimes(document);
