// The plan page: return a crew's file to its package, settle a conflict; then show the
// page again, so what the registry now holds is what is read.
async function send(url, options) {
  const session = await (await fetch("/auth/session")).json();
  const response = await fetch(url, { ...options, headers: { ...(options.headers || {}), "X-CSRF-Token": session.csrf_token } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || response.statusText);
  return body;
}

for (const form of document.querySelectorAll("form.return")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = form.querySelector("output");
    try {
      const done = await send(`/api/packages/${encodeURIComponent(form.dataset.package)}/return`,
                              { method: "POST", body: new FormData(form) });
      const counts = { applied: done.applied.length, added: done.added.length,
                       conflicts: done.conflicts.length, duplicates: done.duplicates };
      out.textContent = out.dataset.words.replace(/\{(\w+)\}/g, (_, key) => counts[key]);
      setTimeout(() => location.reload(), 800);
    } catch (error) {
      out.textContent = error.message;
    }
  });
}

for (const box of document.querySelectorAll(".conflict")) {
  const packageId = box.closest(".package").dataset.package;
  for (const button of box.querySelectorAll("button[data-choice]")) {
    button.addEventListener("click", async () => {
      await send(`/api/packages/${encodeURIComponent(packageId)}/settle`, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ uuid: box.dataset.uuid, choice: button.dataset.choice }) });
      location.reload();
    });
  }
}
