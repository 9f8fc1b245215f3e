// The connection indicator (manual 000): the server is pinged (/api/sante) now and then; the time of the last
// failure is remembered in localStorage (shared by every page of this browser), and the indicator says whether the
// server has answered every time during the last 5 minutes. Any element marked data-connexion shows it.
(function () {
  "use strict";
  var KEY = "feuille:connexion:dernier-echec";
  var WINDOW = 5 * 60 * 1000;
  var EVERY = window.FEUILLE_PING_MS || 30000;
  var STABLE = "La plateforme est accessible depuis les 5 dernières minutes";
  var UNSTABLE = "La connexion n'a pas été stable dans les 5 dernières minutes";
  var state = { joignable: null, dernierEchec: null };

  function lastFailure() {
    var value = Number(localStorage.getItem(KEY));
    return value > 0 ? value : null;
  }
  function show() {
    var failed = lastFailure();
    var stable = state.joignable === true && (failed === null || Date.now() - failed > WINDOW);
    document.querySelectorAll("[data-connexion]").forEach(function (el) {
      var text = el.querySelector("[data-connexion-texte]") || el;
      el.dataset.etat = state.joignable === null ? "inconnu" : (stable ? "stable" : "instable");
      text.textContent = state.joignable === null ? "Vérification de la connexion…" : (stable ? STABLE : UNSTABLE);
      el.hidden = false;
    });
  }
  function ping() {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 8000);
    return fetch("/api/sante", { cache: "no-store", credentials: "same-origin", signal: controller.signal })
      .then(function (answer) { return answer.ok; }, function () { return false; })
      .then(function (ok) {
        clearTimeout(timer);
        if (!ok) { localStorage.setItem(KEY, String(Date.now())); }
        var before = state.joignable;
        state.joignable = ok;
        show();
        document.dispatchEvent(new CustomEvent("feuille:connexion", { detail: { joignable: ok, avant: before } }));
        return ok;
      });
  }
  window.feuilleConnexion = { verifier: ping, etat: state };
  function start() {
    // The service worker keeps the offline page as soon as any page of feuille has been opened once, so that the
    // page opens later with the server down even if it was never visited.
    if ("serviceWorker" in navigator) { navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {}); }
    show();
    ping();
    setInterval(ping, EVERY);
    window.addEventListener("online", ping);
    window.addEventListener("offline", function () { ping(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
