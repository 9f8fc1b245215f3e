// The three steps of signing at the desk, shared by the pages that sign (securing.js: an invoice's securing;
// credit_note.js: a credit note):
// 1. the cards are read through the desk's card agent (agent.js) and sent to the server, which prepares the bytes;
// 2. the agent has the professional card sign them, then the Vitale card when the server names it;
// 3. the signatures go back to the server, which commits them. A card that refuses releases the preparation
//    (its number is recorded unused); every message shown is French, the server's or the agent's.
// The server never reads a card, and no card PIN goes through the page: it is typed at the desk, into the agent.
window.feuilleSignature = (function () {
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

  function signBoth(base, prepared, say, notDone) {
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
        .then(function () { throw new Refusal(message + " " + notDone); });
    });
  }

  // One signing, from the cards to the commit. step: {read() (optional: how the cards are read, else
  // feuilleAgent.cards), base (the page's address: base + "/preparer", "/valider",
  // "/abandonner"), body(cards) (what "/preparer" receives, from the cards the agent read), preparing (said while
  // the server prepares), notDone (said after a card's refusal), say(text)}. Resolves with the server's last
  // answer (termine: true), rejects with a Refusal (French).
  function run(step) {
    var say = step.say;
    say("Lecture des cartes…");
    var read = step.read || window.feuilleAgent.cards;  // step.read: the Vitale app read by NFC or QR code
    return read().catch(function (error) { throw new Refusal(fromCard(error)); })
      .then(function (cards) {
        if (!cards.professionnelle) {
          throw new Refusal("Aucune carte CPS ou CPE dans le lecteur : insérez-la puis recommencez.");
        }
        say(step.preparing);
        return post(step.base, "/preparer", step.body(cards));
      })
      .then(function (prepared) {
        if (prepared.termine) { return prepared; }
        say("Signature par la carte professionnelle…");
        return signBoth(step.base, prepared, say, step.notDone).then(function (pair) {
          say("Enregistrement de la signature…");
          return post(step.base, "/valider", { preparation: prepared.preparation, signature: pair[0],
                                               vitale: pair[1] });
        });
      })
      .catch(function (error) { throw error instanceof Refusal ? error : new Refusal(fromCard(error)); });
  }

  // A status element's writer: say(text) or say(text, true) for a refusal.
  function shower(element) {
    return function (text, refused) {
      element.textContent = text;
      element.className = refused ? "alerte erreur" : "alerte";
    };
  }

  return { Refusal: Refusal, post: post, run: run, shower: shower };
})();
