// feuille: what every page shares in the browser.
// 1. htmx requests carry the session's CSRF token (the server refuses a change without it).
// 2. What is typed in a form marked data-garder is kept in sessionStorage as it is typed, so that a session that
//    expires, or a refusal, never loses it: the form shown again is filled back; a form sent and not shown again
//    (it was accepted) forgets its draft. Passwords, tokens and files are never kept.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener("htmx:configRequest", function (event) {
    if (meta && meta.content) { event.detail.headers["X-CSRF-Token"] = meta.content; }
  });

  var PREFIX = "feuille:brouillon:";
  var SENT = "feuille:envoye";
  var SKIP = { password: true, file: true, hidden: true, submit: true, button: true };

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !SKIP[el.type] && el.name !== "csrf";
    });
  }
  function save(form, key) {
    var data = {};
    fields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) { (data[el.name] = data[el.name] || []).push(el.value); }
      } else { data[el.name] = el.value; }
    });
    try { sessionStorage.setItem(PREFIX + key, JSON.stringify(data)); } catch (e) { /* storage full: keep going */ }
  }
  function restore(form, data) {
    fields(form).forEach(function (el) {
      if (!(el.name in data)) { return; }
      var value = data[el.name];
      if (el.type === "checkbox" || el.type === "radio") { el.checked = value.indexOf(el.value) >= 0; }
      else { el.value = value; }
    });
  }

  function start() {
    var forms = document.querySelectorAll("form[data-garder]");
    var shown = {};
    forms.forEach(function (form) { shown[form.dataset.garder] = true; });
    var keepAll = document.body.hasAttribute("data-garder-brouillons");  // the sign-in page keeps every draft
    var sent = sessionStorage.getItem(SENT);
    if (sent && !keepAll) {
      if (!shown[sent]) { sessionStorage.removeItem(PREFIX + sent); }
      sessionStorage.removeItem(SENT);
    }
    forms.forEach(function (form) {
      var key = form.dataset.garder;
      var saved = sessionStorage.getItem(PREFIX + key);
      if (saved && !form.hasAttribute("data-valeurs-serveur")) { restore(form, JSON.parse(saved)); }
      form.addEventListener("input", function () { save(form, key); });
      form.addEventListener("change", function () { save(form, key); });
      form.addEventListener("submit", function () { save(form, key); sessionStorage.setItem(SENT, key); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
