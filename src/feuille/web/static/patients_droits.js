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
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      failure.hidden = true;
      state.textContent = "Interrogation du service ADRI en cours…";
      var day = form.date_reference.value || null;
      window.feuilleAgent.cards().catch(function () { return { professionnelle: null }; }).then(function (cards) {
        return post("/api/patients/" + patient + "/droits/preparation",
                    { carte: cards.professionnelle, date_reference: day });
      }).then(function (prepared) {
        return window.feuilleAgent.sign(prepared.carte, prepared.demande).then(function (signed) {
          return post("/api/patients/" + patient + "/droits", { demande: prepared.demande, signature: signed });
        });
      }).then(function (done) {
        location.assign("/patients/" + patient + "/droits/" + done.interrogation);
      }).catch(function (error) { fail(error.message); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
