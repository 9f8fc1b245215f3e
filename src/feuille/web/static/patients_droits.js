// « Interroger l'ADRi »: the server prepares the request, the CPS at the desk signs it through the card agent,
// the server sends it and keeps the answer; then the « Choix informations AMO » screen.
(function () {
  "use strict";
  function start() {
    var form = document.getElementById("adri");
    var state = document.getElementById("etat-adri");
    var failure = document.getElementById("erreur-adri");
    var meta = document.querySelector('meta[name="csrf-token"]');
    var patient = form.dataset.patient;

    function fail(message) { state.textContent = ""; failure.textContent = message; failure.hidden = false; }
    function post(url, body) {
      return fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": meta ? meta.content : "" },
        body: JSON.stringify(body)
      }).catch(function () { throw new Error("Le serveur ne répond pas : réessayez."); }).then(function (answer) {
        return answer.json().catch(function () { return {}; }).then(function (data) {
          if (!answer.ok) { throw new Error(data.message || "Demande refusée."); }
          return data;
        });
      });
    }
    // how: "carte" (the CPS only: ADRi is asked about the stored record), "nfc" or "qr" (the Vitale app read at
    // the desk too, sent with the request so that the server checks it is this patient's insured's)
    function ask(how) {
      failure.hidden = true;
      state.textContent = how === "carte" ? "Interrogation du service ADRI en cours…" :
        "Lecture de l'appli carte Vitale (" + (how === "qr" ? "QR code" : "NFC") + ") puis interrogation du service ADRI…";
      var day = form.date_reference.value || null;
      var read = how === "carte" ? window.feuilleAgent.cards().catch(function () { return { professionnelle: null }; })
        : window.feuilleAgent.readApp(how);
      read.then(function (cards) {
        var body = { carte: cards.professionnelle, date_reference: day };
        if (how !== "carte") {
          if (!cards.vitale) { throw new Error("Aucune appli carte Vitale lue : présentez-la au lecteur et réessayez."); }
          body.appli = cards.vitale;
        }
        return post("/api/patients/" + patient + "/droits/preparation", body);
      }).then(function (prepared) {
        return window.feuilleAgent.sign(prepared.carte, prepared.demande).then(function (signed) {
          return post("/api/patients/" + patient + "/droits", { demande: prepared.demande, signature: signed });
        });
      }).then(function (done) {
        location.assign("/patients/" + patient + "/droits/" + done.interrogation);
      }).catch(function (error) { fail(error.message); });
    }
    form.addEventListener("submit", function (event) { event.preventDefault(); ask("carte"); });
    form.querySelectorAll("[data-appli]").forEach(function (button) {
      button.addEventListener("click", function () { ask(button.dataset.appli); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
