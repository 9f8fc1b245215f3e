// Sending the offline records when the server answers again: POST /api/hors-ligne/envoi, at most 200 a request,
// each record with the id and typing time the browser gave it (the server stores it once, however often it is
// sent: a sync cut in the middle is simply done again). A record leaves IndexedDB only once the server has answered
// enregistre, deja_recu or modifie for it; refused, it stays with the server's message (and the message of each
// field); in conflict with a record already billed or deleted there, it stays marked so, never overwritten.
(function () {
  "use strict";
  var BATCH = 200;
  var STORED = { enregistre: true, deja_recu: true, modifie: true };
  var CONFLICTS = { offline_record_billed: true, offline_record_deleted: true };
  var LOCAL = { utilisateur: true, numero: true, etat: true, erreur: true, favoris: true, choix: true };
  var store = window.feuilleStockage;

  // What the server receives: the form's fields, without what only this browser keeps, nor empty fields.
  function payload(record) {
    var sent = {};
    Object.keys(record).forEach(function (key) {
      var value = record[key];
      if (!LOCAL[key] && value !== "" && value !== null && value !== undefined) { sent[key] = value; }
    });
    if (sent.patient_est_assure) { delete sent.assure_nom; delete sent.assure_prenom; }
    if (!sent.nir_connu) { delete sent.nir; delete sent.cle; }
    if (sent.actes && !sent.actes.length) { delete sent.actes; }
    return sent;
  }

  function post(address, body, csrf) {
    return fetch(address, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    });
  }

  // One answer of the server for one record: delete it (stored), or keep it with the refusal.
  function settle(record, outcome, error) {
    if (STORED[outcome]) { return store.remove(record.id_client).then(function () { return "envoye"; }); }
    var problem = error || { message: "Enregistrement refusé par le serveur." };
    record.etat = CONFLICTS[problem.code] ? "conflit" : "refuse";
    record.erreur = { code: problem.code || "", message: problem.message || "", problems: problem.problems || [] };
    return store.put(record).then(function () { return record.etat; });
  }

  function refusal(answer) {
    return answer.json().then(function (body) { return body; }, function () {
      return { code: "http_" + answer.status, message: "Le serveur a refusé l'envoi (" + answer.status + ")." };
    });
  }

  // Not signed in (401), or the page's token is stale (403 csrf: asked again next time), or the role may not send
  // records (403): the sending stops, every record stays.
  function denied(answer) {
    return refusal(answer).then(function (body) {
      if (answer.status === 401) { throw { connexion: true }; }
      throw { jeton: body.code === "csrf", refus: body.code === "csrf" ? "" : body.message };
    });
  }

  // A batch the server could not even read (422: one record's shape): each record alone, so that only the bad one
  // is refused.
  function oneByOne(batch, csrf, tally) {
    return batch.reduce(function (chain, record) {
      return chain.then(function () {
        return post("/api/hors-ligne/enregistrements", payload(record), csrf).then(function (answer) {
          if (answer.ok) {
            return answer.json().then(function (body) { return settle(record, body.resultat); });
          }
          if (answer.status === 401 || answer.status === 403) { return denied(answer); }
          if (answer.status >= 500) { throw { serveur: true, status: answer.status }; }
          return refusal(answer).then(function (body) { return settle(record, "refuse", body); });
        }).then(function (result) { tally[result] = (tally[result] || 0) + 1; });
      });
    }, Promise.resolve());
  }

  function sendBatch(batch, csrf, tally) {
    return post("/api/hors-ligne/envoi", { enregistrements: batch.map(payload) }, csrf).then(function (answer) {
      if (answer.status === 401 || answer.status === 403) { return denied(answer); }
      if (answer.status === 422) { return oneByOne(batch, csrf, tally); }
      if (!answer.ok) { throw { serveur: true, status: answer.status }; }
      return answer.json().then(function (body) {
        var byId = {};
        batch.forEach(function (record) { byId[record.id_client] = record; });
        return Promise.all(body.resultats.map(function (item) {
          var record = byId[item.id_client];
          if (!record) { return null; }
          return settle(record, item.resultat, item.erreur).then(function (result) {
            tally[result] = (tally[result] || 0) + 1;
          });
        }));
      });
    });
  }

  // Every record of ``login`` waiting to be sent, batch after batch; a network failure stops it (the records not
  // answered for stay, and are sent again next time). Resolves to the count of each outcome.
  function send(login, csrf) {
    var tally = { envoye: 0, refuse: 0, conflit: 0 };
    return store.records(login).then(function (list) {
      var pending = list.filter(function (r) { return r.etat === "a_envoyer"; })
        .sort(function (a, b) { return a.numero - b.numero; });
      var batches = [];
      for (var i = 0; i < pending.length; i += BATCH) { batches.push(pending.slice(i, i + BATCH)); }
      return batches.reduce(function (chain, batch) {
        return chain.then(function () { return sendBatch(batch, csrf, tally); });
      }, Promise.resolve());
    }).then(function () { return tally; });
  }

  window.feuilleSynchro = { send: send, payload: payload, BATCH: BATCH };
})();
