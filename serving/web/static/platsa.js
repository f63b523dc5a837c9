// Small progressive enhancements; every page works without JavaScript.
"use strict";

// After a submit the page comes back with either an error summary or a status message:
// move focus there, so keyboard and screen reader users land on what happened instead of at
// the top of the document.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("error-summary");
  const status = document.getElementById("status");
  if (summary) summary.focus();
  else if (status && status.textContent.trim()) status.focus();
});

// Print buttons (the handout): the browser's print dialogue, which offers "save as PDF".
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
});

// Occupation picker: search titles while typing and refill the list with the matches, the
// best one chosen, announcing the count and the choice in the aria-live status next to it
// (the Search button does the same without scripts). The earlier choice is not kept: a new
// search means a new occupation.
document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("[data-occupation-search]");
  const select = document.getElementById("occupation_id");
  const status = document.getElementById("occupation-status");
  if (!input || !select || !status) return;
  let timer = null;
  let asked = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      if (q.length < 2) return;
      const mine = ++asked;
      const response = await fetch("/web/employer/occupations?q=" + encodeURIComponent(q),
                                   { credentials: "same-origin" });
      if (!response.ok || mine !== asked) return;  // a later search has overtaken this one
      const found = await response.json();
      const none = select.options[0];
      select.replaceChildren(none, ...found.options.map(([value, label]) => new Option(label, value)));
      select.selectedIndex = found.options.length ? 1 : 0;
      status.textContent = found.message;
    }, 300);
  });
});
