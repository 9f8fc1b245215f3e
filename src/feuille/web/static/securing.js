// « Sécuriser la facture » and « Factures à sécuriser »: the three steps of signing (desk_signing.js), driven
// from the desk's browser for one invoice, or for the final signature of several one after the other.
(function () {
  "use strict";
  var desk = window.feuilleSignature;  // desk_signing.js
  var shower = desk.shower;

  // One invoice secured (base: /factures/ID/securiser; final: its final signature; else mode, and the Vitale card
  // sent when vitale is true): resolves with the server's last answer, rejects with a Refusal (French).
  // how: "vitale" (the card in the reader, the default), "nfc" or "qr" (the Vitale app)
  function secure(base, final, mode, vitale, say, how) {
    return desk.run({
      read: function () { return window.feuilleAgent.read(vitale && how ? how : "vitale"); },
      base: base, say: say, preparing: "Préparation de la facture…",
      notDone: "La facture n'est pas sécurisée : recommencez.",
      body: function (cards) {
        return { mode: final ? null : mode, signature_finale: final,
                 cartes: { professionnelle: cards.professionnelle, vitale: vitale ? cards.vitale : null } };
      }
    });
  }

  // The securing page: one invoice.
  function one(form) {
    var say = shower(document.getElementById("etat-securisation"));
    var final = form.dataset.finale === "1";
    var withVitale = JSON.parse(form.dataset.avecVitale || "[]");
    var buttons = form.querySelectorAll("button");
    function busy(yes) { buttons.forEach(function (b) { b.disabled = yes; }); }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = form.querySelector('input[name="mode"]:checked');
      if (!final && !chosen) { say("Mode de sécurisation : choisissez-en un.", true); return; }
      var mode = final ? null : chosen.value;
      busy(true);
      var reading = form.querySelector('input[name="lecture"]:checked');
      secure(form.dataset.adresse, final, mode, !final && withVitale.indexOf(mode) >= 0, say,
             reading ? reading.value : "vitale")
        .then(function (done) { say("Facture sécurisée."); window.location.href = done.adresse; })
        .catch(function (error) { say(error.message, true); busy(false); });
    });
  }

  // « Factures à sécuriser »: the final signature of the selected invoices, one after the other, with the CPS in
  // the reader; then the summary, invoice by invoice (signed, or why not).
  function batch(form) {
    var say = shower(document.getElementById("etat-lot"));
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = Array.prototype.slice.call(form.querySelectorAll('input[name="facture"]:checked'));
      if (!chosen.length) { say("Sélectionnez au moins une facture.", true); return; }
      button.disabled = true;
      var signed = 0, refused = 0;
      chosen.reduce(function (previous, box) {
        return previous.then(function () {
          var row = box.closest("tr");
          var result = row.querySelector("[data-resultat]");
          return secure("/factures/" + box.value + "/securiser", true, null, false, function (text) {
            say("Facture " + box.value + " : " + text);
          }).then(function () {
            signed += 1;
            box.checked = false;
            box.disabled = true;
            result.textContent = "Sécurisée";
          }, function (error) {
            refused += 1;
            result.textContent = "Non signée : " + error.message;
          });
        });
      }, Promise.resolve()).then(function () {
        say(signed + " facture(s) signée(s), " + refused + " non signée(s).", refused > 0);
        button.disabled = false;
      });
    });
  }

  function start() {
    var form = document.getElementById("securisation");
    if (form) { one(form); }
    var lot = document.getElementById("signature-lot");
    if (lot) { batch(lot); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
