/* What the pages do with a script; every page works without it.
   - The enterprise menu folds behind its "Menu" button on a narrow screen (without the script it
     stays open above the page).
   - A form sent back with errors: the summary of the errors takes the focus (its autofocus does the
     same without the script, in the browsers that honour it). */
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll(".menu-toggle")) {
    button.hidden = false;
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", String(!open));
    });
  }
  const summary = document.querySelector(".error-summary");
  if (summary && (document.activeElement === null || document.activeElement === document.body)) {
    summary.focus();
  }
});
