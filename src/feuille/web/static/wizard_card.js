// The wizard's patient step: « Lire la carte Vitale » reads the card (or the Vitale app) at the desk through the
// card agent (agent.js), lists its beneficiaries; the one chosen is recorded (or refreshed) by the server from the
// card's data (POST /api/patients/carte, checked there as card data) and the wizard goes on for him.
(function () {
  "use strict";
  function start() {
    var button = document.getElementById("lire-carte");
    if (!button || !window.feuilleAgent) { return; }
    var state = document.getElementById("etat-carte");
    var section = document.getElementById("beneficiaires");
    var list = document.getElementById("liste-beneficiaires");
    var errors = document.getElementById("erreurs-carte");
    var meta = document.querySelector('meta[name="csrf-token"]');
    var card = null;

    function who(b) { return ((b.last_name || "") + " " + (b.first_name || "")).trim(); }
    function showErrors(data) {
      errors.textContent = "";
      var title = document.createElement("p");
      title.textContent = data.message || "Patient non enregistré.";
      errors.appendChild(title);
      (data.problems || []).forEach(function (p) {
        if (p.message && p.message !== data.message) {
          var line = document.createElement("p"); line.textContent = p.message; errors.appendChild(line);
        }
      });
      errors.hidden = false;
    }
    function bill(b) {
      errors.hidden = true;
      state.textContent = "Enregistrement de " + who(b) + "…";
      fetch("/api/patients/carte", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": meta ? meta.content : "" },
        body: JSON.stringify({ type: card.type, nir_assure: card.nir_assure, beneficiaire: b })
      }).then(function (answer) {
        return answer.json().catch(function () { return {}; }).then(function (data) {
          if (!answer.ok) { state.textContent = ""; showErrors(data); return; }
          location.assign("/factures/nouvelle?patient=" + encodeURIComponent(data.id) + "&ok=carte");
        });
      }).catch(function () { state.textContent = "Le serveur ne répond pas : réessayez."; });
    }
    function read() {
      errors.hidden = true; section.hidden = true; list.textContent = "";
      state.textContent = "Lecture de la carte…";
      window.feuilleAgent.cards().then(function (cards) {
        card = cards.vitale;
        if (!card) { state.textContent = "Aucune carte Vitale (ni appli carte Vitale) dans le lecteur."; return; }
        var what = card.type === "apcv" ? "Appli carte Vitale" : "Carte Vitale";
        state.textContent = what + " lue : " + card.beneficiaires.length + " bénéficiaire(s). Choisissez le patient.";
        card.beneficiaires.forEach(function (b) {
          var item = document.createElement("li");
          var choose = document.createElement("button");
          choose.type = "button";
          choose.textContent = "Facturer " + who(b) + " (né(e) le " + (b.birth_date || "?") + ", rang " + (b.rank || 1) + ")";
          choose.addEventListener("click", function () { bill(b); });
          item.appendChild(choose); list.appendChild(item);
        });
        section.hidden = false;
        var first = list.querySelector("button");
        if (first) { first.focus(); }
      }).catch(function (error) { state.textContent = error.message; });
    }
    button.addEventListener("click", read);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
