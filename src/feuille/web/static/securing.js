// « Sécuriser la facture »: the three steps of signing, driven from the desk's browser.
// 1. the cards are read through the desk's card agent (agent.js) and sent to the server, which prepares the bytes;
// 2. the agent has the professional card sign them, then the Vitale card when the server names it;
// 3. the signatures go back to the server, which commits them. A card that refuses releases the preparation
//    (its number is recorded unused); every message shown is French, the server's or the agent's.
(function () {
  "use strict";
  var PIN_HELP = "Le code porteur de la CPS n'est pas vérifié (ou la session de la carte est terminée) : sur ce " +
    "poste, réinsérez la carte avec son code porteur (« feuille carte inserer NOM --pin … »), puis cliquez de " +
    "nouveau sur le bouton.";

  function Refusal(message) { this.message = message; }

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function post(base, path, body) {
    return fetch(base + path, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf() }
    }).catch(function () {
      throw new Refusal("Le serveur ne répond pas : vérifiez la connexion puis recommencez.");
    }).then(function (answer) {
      if (answer.redirected) {  // the session is over: the sign-in page brings the user back here
        window.location.href = answer.url;
        throw new Refusal("Session terminée : reconnectez-vous.");
      }
      return answer.json().catch(function () { return {}; }).then(function (data) {
        if (!answer.ok) {
          var details = (data.problems || []).length > 1 ?
            " (" + data.problems.map(function (p) { return p.message; }).join(" ; ") + ")" : "";
          throw new Refusal((data.message || "Le serveur a refusé la demande.") + details);
        }
        return data;
      });
    });
  }

  function fromCard(error) {
    return error && error.code === "pin_not_verified" ? PIN_HELP : (error && error.message) || String(error);
  }

  function signBoth(base, prepared, say) {
    return window.feuilleAgent.sign(prepared.carte, prepared.donnees).then(function (signature) {
      if (!prepared.vitale) { return [signature, null]; }
      say("Signature par la carte Vitale…");
      return window.feuilleAgent.sign(prepared.vitale, prepared.donnees).then(function (vitale) {
        return [signature, vitale];
      });
    }).catch(function (error) {  // a card refused: the preparation is given up, its number noted unused
      var message = fromCard(error);
      return post(base, "/abandonner", { preparation: prepared.preparation, raison: (error && error.message) || "" })
        .catch(function () { return null; })
        .then(function () { throw new Refusal(message + " La facture n'est pas sécurisée : recommencez."); });
    });
  }

  // One invoice secured (base: /factures/ID/securiser; final: its final signature; else mode, and the Vitale card
  // sent when vitale is true): resolves with the server's last answer, rejects with a Refusal (French).
  function secure(base, final, mode, vitale, say) {
    say("Lecture des cartes…");
    return window.feuilleAgent.cards().catch(function (error) { throw new Refusal(fromCard(error)); })
      .then(function (cards) {
        if (!cards.professionnelle) {
          throw new Refusal("Aucune carte CPS ou CPE dans le lecteur : insérez-la puis recommencez.");
        }
        say("Préparation de la facture…");
        return post(base, "/preparer", { mode: final ? null : mode, signature_finale: final,
                                         cartes: { professionnelle: cards.professionnelle,
                                                   vitale: vitale ? cards.vitale : null } });
      })
      .then(function (prepared) {
        if (prepared.termine) { return prepared; }
        say("Signature par la carte professionnelle…");
        return signBoth(base, prepared, say).then(function (pair) {
          say("Enregistrement de la signature…");
          return post(base, "/valider", { preparation: prepared.preparation, signature: pair[0], vitale: pair[1] });
        });
      })
      .catch(function (error) { throw error instanceof Refusal ? error : new Refusal(fromCard(error)); });
  }

  function shower(element) {
    return function (text, refused) {
      element.textContent = text;
      element.className = refused ? "alerte erreur" : "alerte";
    };
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
      secure(form.dataset.adresse, final, mode, !final && withVitale.indexOf(mode) >= 0, say)
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
