// « Lire la carte Vitale »: the card (or the Vitale app) is read at the desk through the card agent; the chosen
// beneficiary is sent to the server, which validates it as card data and records (or refreshes) the patient.
(function () {
  "use strict";
  function start() {
    var state = document.getElementById("etat-carte");
    var section = document.getElementById("beneficiaires");
    var list = document.getElementById("liste-beneficiaires");
    var dialog = document.getElementById("confirmation");
    var question = document.getElementById("question-carte");
    var errors = document.getElementById("erreurs-carte");
    var meta = document.querySelector('meta[name="csrf-token"]');
    var card = null, chosen = null, opener = null;

    function cell(text) { var td = document.createElement("td"); td.textContent = text; return td; }
    function who(b) { return ((b.last_name || "") + " " + (b.first_name || "")).trim(); }
    function showErrors(data) {
      errors.textContent = "";
      var title = document.createElement("p");
      title.textContent = data.message || "Enregistrement refusé.";
      errors.appendChild(title);
      var problems = data.problems || [];
      if (problems.length > 1) {
        var ul = document.createElement("ul");
        problems.forEach(function (p) { var li = document.createElement("li"); li.textContent = p.message; ul.appendChild(li); });
        errors.appendChild(ul);
      }
      errors.hidden = false;
    }
    function ask(b, button) {
      chosen = b; opener = button;
      question.textContent = "Enregistrer " + who(b) + " (né(e) le " + (b.birth_date || "?") + ") dans la base patients ?";
      dialog.hidden = false;
      document.getElementById("confirmer").focus();
    }
    // how: "vitale" (the card in the reader), "nfc" or "qr" (the Vitale app, read by the reader's NFC sensor or
    // camera); the beneficiaries are listed as the manual does, sorted by name
    function read(how) {
      errors.hidden = true; dialog.hidden = true; section.hidden = true; list.textContent = "";
      state.textContent = how === "vitale" ? "Lecture de la carte…" : "Lecture de l'appli carte Vitale (" +
        (how === "qr" ? "QR code" : "NFC") + ")…";
      window.feuilleAgent.read(how).then(function (cards) {
        card = cards.vitale;
        if (!card) { state.textContent = "Aucune carte Vitale (ni appli carte Vitale) dans le lecteur."; return; }
        card.beneficiaires.sort(function (a, b) { return who(a).localeCompare(who(b), "fr"); });
        var what = card.type === "apcv" ? "Appli carte Vitale" : "Carte Vitale";
        document.getElementById("titre-beneficiaires").textContent = card.type === "apcv" ?
          "Bénéficiaires de l'appli carte Vitale" : "Bénéficiaires de la carte";
        state.textContent = what + " lue : " + card.beneficiaires.length + " bénéficiaire(s) (assuré " + card.nir_assure + ").";
        card.beneficiaires.forEach(function (b) {
          var tr = document.createElement("tr");
          [b.last_name || "", b.first_name || "", b.birth_date || "", String(b.rank || 1), String(b.quality || "0")]
            .forEach(function (t) { tr.appendChild(cell(t)); });
          var td = document.createElement("td");
          var button = document.createElement("button");
          button.type = "button";
          button.textContent = "Enregistrer " + who(b);
          button.addEventListener("click", function () { ask(b, button); });
          td.appendChild(button); tr.appendChild(td); list.appendChild(tr);
        });
        section.hidden = false;
      }).catch(function (error) { state.textContent = error.message; });
    }
    function record() {
      dialog.hidden = true;
      state.textContent = "Enregistrement…";
      fetch("/api/patients/carte", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": meta ? meta.content : "" },
        body: JSON.stringify({ type: card.type, nir_assure: card.nir_assure, beneficiaire: chosen })
      }).then(function (answer) {
        return answer.json().catch(function () { return {}; }).then(function (data) {
          if (!answer.ok) { state.textContent = ""; showErrors(data); return; }
          var from = card.type === "apcv" ? "appli" : "carte";
          location.assign("/patients/" + data.id + "?ok=" + from + (data.cree ? "_cree" : "_maj"));
        });
      }).catch(function () { state.textContent = "Le serveur ne répond pas : réessayez."; });
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-lire]"), function (button) {
      button.addEventListener("click", function () { read(button.dataset.lire); });
    });
    document.getElementById("confirmer").addEventListener("click", record);
    document.getElementById("annuler").addEventListener("click", function () {
      dialog.hidden = true; state.textContent = "Patient non enregistré.";
      if (opener) { opener.focus(); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
