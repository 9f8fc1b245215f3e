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

  function start() {
    var form = document.getElementById("securisation");
    if (!form) { return; }
    var shown = document.getElementById("etat-securisation");
    var meta = document.querySelector('meta[name="csrf-token"]');
    var base = form.dataset.adresse;
    var final = form.dataset.finale === "1";
    var withVitale = JSON.parse(form.dataset.avecVitale || "[]");
    var buttons = form.querySelectorAll("button");

    function say(text, refused) {
      shown.textContent = text;
      shown.className = refused ? "alerte erreur" : "alerte";
    }
    function busy(yes) { buttons.forEach(function (b) { b.disabled = yes; }); }

    function post(path, body) {
      return fetch(base + path, {
        method: "POST", credentials: "same-origin", body: JSON.stringify(body),
        headers: { "Content-Type": "application/json", "Accept": "application/json",
                   "X-CSRF-Token": meta ? meta.content : "" }
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

    function signBoth(prepared) {
      return window.feuilleAgent.sign(prepared.carte, prepared.donnees).then(function (signature) {
        if (!prepared.vitale) { return [signature, null]; }
        say("Signature par la carte Vitale…");
        return window.feuilleAgent.sign(prepared.vitale, prepared.donnees).then(function (vitale) {
          return [signature, vitale];
        });
      }, null).catch(function (error) {  // a card refused: the preparation is given up, its number noted unused
        var message = fromCard(error);
        return post("/abandonner", { preparation: prepared.preparation, raison: (error && error.message) || "" })
          .catch(function () { return null; })
          .then(function () { throw new Refusal(message + " La facture n'est pas sécurisée : recommencez."); });
      });
    }

    function secure(mode) {
      busy(true);
      say("Lecture des cartes…");
      window.feuilleAgent.cards().catch(function (error) { throw new Refusal(fromCard(error)); })
        .then(function (cards) {
          if (!cards.professionnelle) {
            throw new Refusal("Aucune carte CPS ou CPE dans le lecteur : insérez-la puis recommencez.");
          }
          var vitale = !final && withVitale.indexOf(mode) >= 0 ? cards.vitale : null;
          say("Préparation de la facture…");
          return post("/preparer", { mode: final ? null : mode, signature_finale: final,
                                     cartes: { professionnelle: cards.professionnelle, vitale: vitale } });
        })
        .then(function (prepared) {
          if (prepared.termine) { return prepared; }
          say("Signature par la carte professionnelle…");
          return signBoth(prepared).then(function (pair) {
            say("Enregistrement de la signature…");
            return post("/valider", { preparation: prepared.preparation, signature: pair[0], vitale: pair[1] });
          });
        })
        .then(function (done) {
          say("Facture sécurisée.");
          window.location.href = done.adresse;
        })
        .catch(function (error) {
          say(error instanceof Refusal ? error.message : fromCard(error), true);
          busy(false);
        });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = form.querySelector('input[name="mode"]:checked');
      if (!final && !chosen) { say("Mode de sécurisation : choisissez-en un.", true); return; }
      secure(final ? null : chosen.value);
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
