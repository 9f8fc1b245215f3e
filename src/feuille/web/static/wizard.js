// The invoice wizard in the browser: « Suivant » and « Précédent » swap the step area (htmx, the server answers
// with the step alone), focus goes to the new question's first field, so that a whole invoice is made with the
// keyboard; the acts found as the code is typed put their code in the field.
(function () {
  "use strict";
  if (window.htmx) {
    // Back and reload ask the server again for the address pushed (it carries the answers): no copy of the
    // patient's screens is kept in the browser's storage.
    window.htmx.config.historyCacheSize = 0;
    window.htmx.config.refreshOnHistoryMiss = true;
  }

  function focusQuestion() {
    var step = document.getElementById("etape");
    if (!step) { return; }
    var asked = step.querySelector(".en-erreur") || step.querySelector("[data-focus]");
    var field = asked && (asked.querySelector("input[type=radio]:checked") ||
                          asked.querySelector("input:not([type=hidden]), select, textarea, button"));
    if (!field) { field = step.querySelector("button.principal"); }
    if (field) { field.focus(); }
  }

  function isStep(event) {
    var target = event.detail && event.detail.target;
    return target && target.id === "etape";
  }
  function withStep(xhr) { return xhr.responseText.indexOf('<div id="etape"') >= 0; }
  // The wizard's refusals come with the step, the messages beside their fields: shown like any answer.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (isStep(event) && event.detail.xhr.status >= 400 && withStep(event.detail.xhr)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // Any other refusal is a whole French page (not found, no right): shown as the page it is.
  document.addEventListener("htmx:responseError", function (event) {
    if (!isStep(event) || withStep(event.detail.xhr)) { return; }
    document.open();
    document.write(event.detail.xhr.responseText);
    document.close();
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (isStep(event) || (event.detail.elt && event.detail.elt.id === "etape")) { focusQuestion(); }
  });

  // Entrée on a list or a « oui / non » answers it as in a text field: « Suivant » (the step's first button).
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !field.closest || !field.closest("#etape")) { return; }
    if (field.tagName === "SELECT" || (field.tagName === "INPUT" && field.type === "radio")) {
      var button = field.form && field.form.querySelector("#etape button.principal");
      if (button) { event.preventDefault(); field.form.requestSubmit(button); }
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-code]");
    if (!button) { return; }
    var fields = document.querySelectorAll('input[name*="acts.text."]');
    var field = fields.length ? fields[fields.length - 1] : null;
    if (field) { field.value = button.dataset.code; field.focus(); }
  });

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", focusQuestion); }
  else { focusQuestion(); }
})();
