/* The progress bar of an import under way: its page asks where the run is every second and moves
   the bar; once the run is over, the page is shown again with its results. Without the script the
   page reloads itself every few seconds (its <noscript> refresh). */
document.addEventListener("DOMContentLoaded", () => {
  const section = document.querySelector("[data-progress-url]");
  if (!section) {
    return;
  }
  const bar = section.querySelector("progress");
  const text = section.querySelector("#progress-text");
  const look = async () => {
    try {
      const response = await fetch(section.dataset.progressUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const progress = await response.json();
        bar.max = Math.max(progress.goal, 1);
        bar.value = progress.goal ? progress.processed : 1;
        text.textContent = progress.text;
        if (progress.finished) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      /* A missed look is taken again at the next one. */
    }
    window.setTimeout(look, 1000);
  };
  window.setTimeout(look, 1000);
});
