// « Lecteur portable »: read the patient's Vitale card (or app, by NFC or QR code) through the desk's card agent
// (agent.js; in the virtual world it plays the portable reader) to list his invoices only, sign the chosen ones
// (the desynchronised first signature, three steps each: the server prepares, the cards sign, the server
// commits), then show the recap; « Supprimer les factures » asks « Oui / Non » first.
(function () {
  "use strict";
  var PIN_HELP = "Le code porteur de la CPS (ou de la CPE) n'est pas vérifié : réinsérez la carte avec son code " +
    "porteur (« feuille carte inserer NOM --pin … »), puis recommencez.";

  function compact(nir) { return String(nir || "").replace(/\s+/g, ""); }
  function fromCard(error) {
    return error && error.code === "pin_not_verified" ? PIN_HELP : (error && error.message) || String(error);
  }

  function start() {
    var form = document.getElementById("factures-lecteur");
    if (!form) { return; }
    var agent = window.feuilleAgent, desk = window.feuilleSignature;
    var reader = form.dataset.lecteur;
    var status = document.getElementById("etat-lecteur-portable");
    var say = status ? desk.shower(status) : function () {};
    var signButton = document.getElementById("signer-factures");
    var allButton = document.getElementById("toutes-factures");
    var rows = Array.prototype.slice.call(form.querySelectorAll("tr[data-facture]"));
    var how = null, insured = null;

    function boxes() {
      return rows.filter(function (row) { return !row.hidden; })
        .map(function (row) { return row.querySelector('input[name="sur_lecteur"]'); })
        .filter(function (box) { return box && box.checked && !box.disabled; });
    }
    function refresh() { if (signButton) { signButton.disabled = !insured || boxes().length === 0; } }
    function show(nir) {  // only this insured person's invoices; null: all of them
      rows.forEach(function (row) {
        row.hidden = nir !== null && compact(row.dataset.nir) !== nir;
        if (row.hidden) { row.querySelector('input[name="sur_lecteur"]').checked = false; }
      });
      if (allButton) { allButton.hidden = nir === null; }
      refresh();
    }

    function read(way) {
      say("Lecture : " + agent.READINGS[way] + "…");
      return agent.read(way).then(function (cards) {
        if (!cards.vitale) { throw new desk.Refusal("Aucune carte Vitale (ni appli carte Vitale) lue."); }
        return cards;
      }, function (error) { throw new desk.Refusal(fromCard(error)); });
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-lire]"), function (button) {
      button.addEventListener("click", function () {
        var way = button.dataset.lire;
        read(way).then(function (cards) {
          how = way; insured = compact(cards.vitale.nir_assure);
          show(insured);
          var count = rows.filter(function (row) { return !row.hidden; }).length;
          var what = cards.vitale.type === "apcv" ? "Appli carte Vitale" : "Carte Vitale";
          say(what + " lue (assuré " + insured + ") : " + count + " facture(s) de l'assuré sur le lecteur." +
              (count ? " Choisissez celles à signer." : ""));
        }).catch(function (error) { how = insured = null; show(null); say(error.message, true); });
      });
    });
    if (allButton) {
      allButton.addEventListener("click", function () { show(null); if (signButton) { signButton.disabled = true; } });
    }
    form.addEventListener("change", refresh);
    var every = document.getElementById("choisir-toutes");  // « --tout »: every invoice shown, not signed yet
    if (every) {
      every.addEventListener("click", function () {
        rows.forEach(function (row) {
          var box = row.querySelector('input[name="sur_lecteur"]');
          if (!row.hidden && !box.disabled) { box.checked = true; }
        });
        refresh();
      });
    }

    // One invoice signed on the reader: resolves when signed, rejects with a Refusal (French).
    function signOne(id, cards) {
      var base = "/factures/lecteur-portable/" + id;
      return desk.post(base, "/preparer", { lecteur: reader, cartes: { professionnelle: cards.professionnelle,
                                                                       vitale: cards.vitale } })
        .then(function (prepared) {
          if (prepared.termine) { return prepared; }
          return agent.sign(prepared.carte, prepared.donnees).then(function (signature) {
            if (!prepared.vitale) { return [signature, null]; }
            return agent.sign(prepared.vitale, prepared.donnees).then(function (app) { return [signature, app]; });
          }).catch(function (error) {  // a card refused: the preparation is given up, the reason noted
            return desk.post(base, "/abandonner", { lecteur: reader, preparation: prepared.preparation,
                                                    raison: fromCard(error) })
              .catch(function () { return null; })
              .then(function () { throw new desk.Refusal(fromCard(error)); });
          }).then(function (pair) {
            return desk.post(base, "/valider", { lecteur: reader, preparation: prepared.preparation,
                                                 signature: pair[0], vitale: pair[1] });
          });
        });
    }

    if (signButton) {
      signButton.addEventListener("click", function () {
        var chosen = boxes().map(function (box) { return box.value; });
        if (!insured || !chosen.length) { say("Lisez la carte Vitale puis choisissez au moins une facture.", true); return; }
        signButton.disabled = true;
        read(how).then(function (cards) {
          if (compact(cards.vitale.nir_assure) !== insured) {
            throw new desk.Refusal("La carte présentée n'est plus celle de l'assuré " + insured + " : relisez-la.");
          }
          if (!cards.professionnelle) {
            throw new desk.Refusal("Aucune carte CPS ou CPE dans le lecteur : insérez-la puis recommencez.");
          }
          return chosen.reduce(function (previous, id) {
            return previous.then(function () {
              say("Signature de la facture " + id + "…");
              return signOne(id, cards).catch(function () { return null; });  // the recap says why
            });
          }, Promise.resolve());
        }).then(function () {
          window.location.href = "/factures/lecteur-portable?lecteur=" + encodeURIComponent(reader) +
            "&fait=signe&factures=" + chosen.join(",") + "#recapitulatif";
        }).catch(function (error) { say(error.message, true); refresh(); });
      });
    }

    // « Supprimer les factures »: a confirmation first (Non keeps them).
    var dialog = document.getElementById("confirmation-suppression");
    var confirmed = false;
    form.addEventListener("submit", function (event) {
      if (confirmed) { return; }
      event.preventDefault();
      var count = form.querySelectorAll('input[name="sur_lecteur"]:checked').length;
      document.getElementById("question-suppression").textContent = count ?
        "Supprimer " + count + " facture(s) du lecteur ? Elles seront supprimées définitivement." :
        "Aucune facture choisie : supprimer quand même ?";
      dialog.hidden = false;
      document.getElementById("suppression-oui").focus();
    });
    document.getElementById("suppression-oui").addEventListener("click", function () {
      confirmed = true;
      form.requestSubmit(document.getElementById("supprimer-factures"));
    });
    document.getElementById("suppression-non").addEventListener("click", function () {
      dialog.hidden = true;
      document.getElementById("supprimer-factures").focus();
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
