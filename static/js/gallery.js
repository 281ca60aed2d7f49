// Previous/next buttons for the photo gallery. Without JavaScript the gallery still works:
// it scrolls sideways by touch, and by arrow keys once focused.
document.querySelectorAll("[data-gallery]").forEach((gallery) => {
  const track = gallery.querySelector(".gallery-track");
  const controls = gallery.querySelector(".gallery-controls");
  if (!track || !controls) return;
  const step = (direction) => {
    track.scrollBy({ left: direction * track.clientWidth, behavior: "smooth" });
  };
  gallery.querySelector("[data-gallery-previous]").addEventListener("click", () => step(-1));
  gallery.querySelector("[data-gallery-next]").addEventListener("click", () => step(1));
  track.addEventListener("keydown", (event) => {
    if (event.key === "ArrowRight") { step(1); event.preventDefault(); }
    if (event.key === "ArrowLeft") { step(-1); event.preventDefault(); }
  });
  controls.hidden = false;
});
