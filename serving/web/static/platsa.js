// Small progressive enhancements; every page works without JavaScript.
"use strict";

// A form that came back with errors: move focus to the summary so it is read out first.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});

// Occupation picker: search titles while typing and refill the list, announcing the count
// in the aria-live status next to it (the Search button does the same without scripts).
document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("[data-occupation-search]");
  const select = document.getElementById("occupation_id");
  const status = document.getElementById("occupation-status");
  if (!input || !select || !status) return;
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      if (q.length < 2) return;
      const response = await fetch("/web/employer/occupations?q=" + encodeURIComponent(q) +
                                   "&current=" + encodeURIComponent(select.value),
                                   { credentials: "same-origin" });
      if (!response.ok) return;
      const found = await response.json();
      const none = select.options[0];
      select.replaceChildren(none, ...found.options.map(([value, label]) => new Option(label, value)));
      if (found.options.length) select.selectedIndex = 1;
      status.textContent = found.message;
    }, 300);
  });
});
