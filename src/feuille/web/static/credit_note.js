// « Annuler la facture par un avoir »: the credit note is signed in the three steps of desk_signing.js with the
// CPS in the desk's reader (no Vitale card), then the page goes back to the cancelled invoice's details.
(function () {
  "use strict";
  function start() {
    var form = document.getElementById("annulation");
    if (!form) { return; }
    var desk = window.feuilleSignature;
    var say = desk.shower(document.getElementById("etat-annulation"));
    var buttons = form.querySelectorAll("button");
    function busy(yes) { buttons.forEach(function (b) { b.disabled = yes; }); }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      busy(true);
      desk.run({
        base: form.dataset.adresse, say: say, preparing: "Préparation de l'avoir…",
        notDone: "La facture n'est pas annulée : recommencez.",
        body: function (cards) { return { cartes: { professionnelle: cards.professionnelle } }; }
      }).then(function (done) { say("Facture annulée par un avoir."); window.location.href = done.adresse; })
        .catch(function (error) { say(error.message, true); busy(false); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
