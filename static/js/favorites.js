// Save / Saved without reloading the page. Without JavaScript the same form posts and comes back.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-favorite]");
  if (!form) return;
  event.preventDefault();
  const button = form.querySelector("button");
  const saved = form.elements.saved;
  button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(response.status);
    const isSaved = (await response.json()).saved;
    saved.value = isSaved ? "0" : "1";
    button.setAttribute("aria-pressed", String(isSaved));
    button.textContent = isSaved ? button.dataset.labelSaved : button.dataset.labelSave;
  } catch {
    form.submit(); // let the server answer the plain way
  } finally {
    button.disabled = false;
  }
});
