// The offline page (manual 000): the form, the list of the records kept in this browser, and sending them when
// the server answers again. Works from the service worker's cache with the server down: nothing here needs the
// server but the sending. The records are those of the professional last known signed in in this browser (several
// may share it); records typed before any login was known belong to the first one who sends them.
(function () {
  "use strict";
  var store = window.feuilleStockage;
  var sync = window.feuilleSynchro;
  var $ = function (id) { return document.getElementById(id); };
  var FIELDS = ["nom", "prenom", "date_naissance", "rang", "assure_nom", "assure_prenom", "nir", "cle",
                "date_soins", "note"];
  var me = { login: "", name: "", csrf: "", connected: false };
  var editing = null;       // the record being edited (null: a new one)
  var sending = false;
  var confirming = null;
  var identified = false;   // the server said who is signed in, since the page opened
  var favourites = [];      // the user's favourites as last fetched: [{id, libelle, actes: [{code, coefficient}]}]
  var shown = [];           // the favourites the open form offers: the above, and those a kept record chose

  function text(tag, content, cls) {
    var el = document.createElement(tag);
    if (content !== undefined) { el.textContent = content; }
    if (cls) { el.className = cls; }
    return el;
  }
  function pad(n) { return ("0" + n).slice(-2); }
  function localNow() {
    var d = new Date();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes());
  }
  function shownDate(value) {   // « 2026-12-06T07:30 » → « 06/12/2026 07:30 »
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
    return m ? m[3] + "/" + m[2] + "/" + m[1] + " " + m[4] + ":" + m[5] : (value || "");
  }
  function owners() { return me.login ? [me.login, ""] : [""]; }
  function mine() {
    return Promise.all(owners().map(store.records)).then(function (lists) {
      return [].concat.apply([], lists).sort(function (a, b) { return b.numero - a.numero; });
    });
  }

  // --- the list -------------------------------------------------------------------------------------------
  var STATES = { a_envoyer: "À envoyer", refuse: "Refusé par le serveur", conflit: "En conflit avec le serveur" };
  function row(record) {
    var tr = document.createElement("tr");
    tr.dataset.id = record.id_client;
    tr.dataset.etat = record.etat;
    tr.appendChild(text("td", String(record.numero)));
    tr.appendChild(text("td", shownDate(record.date_soins)));
    tr.appendChild(text("td", (record.nom || "").toUpperCase() + " " + (record.prenom || "")));
    tr.appendChild(text("td", record.nir_connu ? (record.nir || "") + " " + (record.cle || "") : ""));
    var note = text("td", record.note || "");
    if (record.actes && record.actes.length) {   // the acts chosen from the favourites
      note.appendChild(text("div", "Actes : " + record.actes.map(function (a) { return a.code; }).join(" + "),
                            "aide actes-favoris"));
    }
    tr.appendChild(note);
    var state = text("td");
    state.appendChild(text("span", STATES[record.etat] || record.etat));
    if (record.erreur) {
      var list = text("ul", undefined, "messages-enregistrement");
      var problems = record.erreur.problems && record.erreur.problems.length ? record.erreur.problems : [record.erreur];
      problems.forEach(function (p) { list.appendChild(text("li", p.message, "message-champ")); });
      state.appendChild(list);
    }
    tr.appendChild(state);
    var cell = text("td");
    var actions = text("div", undefined, "actions");
    cell.appendChild(actions);
    var edit = text("button", record.etat === "conflit" ? "Voir" : "Modifier");
    edit.type = "button";
    edit.setAttribute("aria-label", "Modifier l'enregistrement " + record.numero);
    edit.addEventListener("click", function () { openForm(record); });
    var del = text("button", "Supprimer");
    del.type = "button";
    del.setAttribute("aria-label", "Supprimer l'enregistrement " + record.numero);
    function confirmation() {
      del.textContent = "Confirmer la suppression";
      del.setAttribute("aria-label", "Confirmer la suppression de l'enregistrement " + record.numero);
    }
    if (confirming === record.id_client) { confirmation(); }
    del.addEventListener("click", function () {
      if (confirming !== record.id_client) {   // a second click confirms: nothing is lost by a slip
        confirming = record.id_client;         // kept here: the list is drawn again after each sending
        confirmation();
        return;
      }
      confirming = null;
      store.remove(record.id_client).then(refresh);
    });
    actions.appendChild(edit);
    actions.appendChild(del);
    tr.appendChild(cell);
    return tr;
  }
  function refresh() {
    return mine().then(function (list) {
      var body = document.querySelector("#hl-liste tbody");
      body.textContent = "";
      list.forEach(function (record) { body.appendChild(row(record)); });
      $("hl-compte").textContent = list.length ? list.length + " enregistrement(s) dans ce navigateur"
        : "Aucun enregistrement";
      return list;
    });
  }

  // --- the form -------------------------------------------------------------------------------------------
  function toggles() {
    var insured = $("hl-patient_est_assure").checked;
    var nirKnown = $("hl-nir_connu").checked;
    $("hl-assure").hidden = insured;
    $("hl-legende-patient").textContent = insured ? "Patient (assuré)" : "Patient (bénéficiaire)";
    $("hl-nir-champs").hidden = !nirKnown;
    document.querySelector('label[for="hl-date_naissance"]').textContent =
      nirKnown ? "Date de naissance" : "Date de naissance*";
  }
  // Where a field's refusal is told: its input, or the whole group for the acts (a list of boxes to tick).
  function answerOf(box) {
    return box.tagName === "FIELDSET" ? box : box.querySelector("input, textarea");
  }
  function showProblems(problems) {
    document.querySelectorAll("#hl-form [data-champ]").forEach(function (box) {
      box.classList.remove("en-erreur");
      box.querySelectorAll(".message-champ").forEach(function (m) { m.remove(); });
      var input = answerOf(box);
      input.removeAttribute("aria-invalid");
    });
    var top = $("hl-erreurs");
    top.textContent = "";
    top.hidden = !problems.length;
    if (!problems.length) { return; }
    top.appendChild(text("p", problems.length > 1 ? "Corrigez les champs signalés :" : problems[0].message));
    var list = text("ul");
    problems.forEach(function (p) {
      list.appendChild(text("li", p.message));
      var box = p.field && document.querySelector('#hl-form [data-champ="' + p.field + '"]');
      if (box) {
        box.classList.add("en-erreur");
        var message = text("p", p.message, "message-champ");
        message.id = "hl-" + p.field + "-erreur";
        box.appendChild(message);
        var input = answerOf(box);
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", message.id);
      }
    });
    if (problems.length > 1) { top.appendChild(list); }
  }
  function openForm(record) {
    editing = record || null;
    var form = $("hl-form");
    form.reset();
    $("hl-form-titre").textContent = record ? "Enregistrement n° " + record.numero : "Nouvel enregistrement";
    $("hl-patient_est_assure").checked = record ? record.patient_est_assure : true;
    $("hl-nir_connu").checked = record ? record.nir_connu : true;
    FIELDS.forEach(function (name) { form.elements[name].value = record ? (record[name] || "") : ""; });
    if (!record) { form.elements.date_soins.value = localNow(); }
    drawFavourites(record);
    toggles();
    showProblems(record && record.erreur ? (record.erreur.problems.length ? record.erreur.problems : [record.erreur]) : []);
    $("hl-formulaire").hidden = false;
    $("hl-nom").focus();
  }
  // --- the favourites: fetched while the server answers, kept per user for offline use ---------------------
  function fetchFavourites() {
    return fetch("/hors-ligne/favoris", { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (body) {
        if (!body) { return null; }
        favourites = body.favoris;
        return store.setSetting("favoris:" + me.login, favourites);
      }).catch(function () { return null; });
  }
  function loadFavourites() {
    return store.setting("favoris:" + me.login).then(function (kept) { favourites = kept || []; });
  }
  // A kept record offers the favourites it chose as they were then (the record keeps a copy of each): one
  // changed or deleted since on the server still brings the same acts when the record is saved again.
  function offered(record) {
    var kept = (record && record.choix) || [];
    var byId = {};
    kept.forEach(function (fav) { byId[fav.id] = fav; });
    var list = favourites.map(function (fav) { return byId[fav.id] || fav; });
    kept.forEach(function (fav) {
      if (!favourites.some(function (known) { return known.id === fav.id; })) {
        list.push({ id: fav.id, libelle: fav.libelle + " — favori supprimé depuis", actes: fav.actes, nom: fav.libelle });
      }
    });
    return list;
  }
  function drawFavourites(record) {
    var chosen = record ? record.favoris : [];
    var box = $("hl-favoris-liste");
    box.textContent = "";
    shown = offered(record);
    if (!shown.length) { box.appendChild(text("p", "Aucun favori connu dans ce navigateur.", "aide")); return; }
    shown.forEach(function (fav) {
      var line = text("div", undefined, "champ-case");
      var input = document.createElement("input");
      input.type = "checkbox";
      input.id = "hl-favori-" + fav.id;
      input.value = String(fav.id);
      input.checked = (chosen || []).indexOf(fav.id) >= 0;
      var codes = fav.actes.map(function (a) { return a.code + (a.coefficient ? " " + a.coefficient.replace(".", ",") : ""); });
      var label = text("label", fav.libelle + " (" + codes.join(" + ") + ")");
      label.htmlFor = input.id;
      line.appendChild(input);
      line.appendChild(label);
      box.appendChild(line);
    });
  }
  function chosenFavourites() {
    var ids = [];
    document.querySelectorAll("#hl-favoris-liste input:checked").forEach(function (box) { ids.push(Number(box.value)); });
    return ids;
  }
  function chosenCopies(ids) {   // the favourites chosen, in the list's order, as the record keeps them
    return shown.filter(function (fav) { return ids.indexOf(fav.id) >= 0; }).map(function (fav) {
      return { id: fav.id, libelle: fav.nom || fav.libelle, actes: fav.actes };
    });
  }
  function actsOf(copies) {
    var acts = [];
    copies.forEach(function (fav) { fav.actes.forEach(function (a) { acts.push(a); }); });
    return acts;
  }

  function closeForm() {
    editing = null;
    $("hl-formulaire").hidden = true;
    showProblems([]);
  }
  function typed() {
    var form = $("hl-form");
    var values = { patient_est_assure: $("hl-patient_est_assure").checked, nir_connu: $("hl-nir_connu").checked };
    FIELDS.forEach(function (name) { values[name] = form.elements[name].value.trim(); });
    values.nir = values.nir.replace(/\s/g, "").toUpperCase();
    values.favoris = chosenFavourites();
    values.choix = chosenCopies(values.favoris);
    values.actes = actsOf(values.choix);
    return values;
  }
  function save(event) {
    event.preventDefault();
    var values = typed();
    var problems = store.check(values);
    showProblems(problems);
    if (problems.length) { return; }
    var kept = editing;
    var ready = kept ? Promise.resolve(kept) : store.nextNumber(me.login).then(function (number) {
      // The id and the typing time the server will keep: given once, here, and never changed.
      return { id_client: store.newId(), saisi_le: new Date().toISOString(), utilisateur: me.login, numero: number };
    });
    ready.then(function (record) {
      Object.keys(values).forEach(function (key) { record[key] = values[key]; });
      record.etat = "a_envoyer";   // edited after a refusal: to be sent again
      delete record.erreur;
      return store.put(record);
    }).then(function () {
      closeForm();
      return refresh();
    }).then(function () { if (me.connected) { sendAll(); } });
  }

  // --- who is signed in, and sending --------------------------------------------------------------------
  function identify() {
    return fetch("/hors-ligne/session", { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) { return answer.json(); })
      .then(function (body) {
        me.connected = !!body.connecte;
        if (body.connecte) {
          me.login = body.identifiant;
          me.name = body.nom;
          me.csrf = body.csrf;
          return store.setSetting("utilisateur", { login: me.login, nom: me.name }).then(fetchFavourites);
        }
      }).then(showUser);
  }
  function showUser() {
    $("hl-utilisateur").textContent = me.login ? (me.name || me.login) + (me.connected ? "" : " (hors connexion)") : "";
  }
  function claimOrphans() {   // records typed before any login was known: the first signed-in user's
    return store.records("").then(function (list) {
      return Promise.all(list.map(function (r) { r.utilisateur = me.login; return store.put(r); }));
    });
  }
  function sendAll() {
    if (sending) { return Promise.resolve(); }
    sending = true;
    var started = false;
    // Who is signed in: asked once the server answers, then only while records wait (asking resolves the session,
    // which keeps it alive: an open page must not hold it open forever).
    return mine().then(function (list) {
      var waiting = list.some(function (r) { return r.etat === "a_envoyer"; });
      return identified && !waiting ? null : identify().then(function () { identified = true; });
    }).then(mine).then(function (list) {
      var pending = list.filter(function (r) { return r.etat === "a_envoyer"; }).length;
      $("hl-connectez").hidden = me.connected || !list.length;
      if (!me.connected || !pending) { return null; }
      started = true;
      $("hl-synchro").textContent = "Envoi de " + pending + " enregistrement(s)…";
      return claimOrphans().then(function () { return sync.send(me.login, me.csrf); });
    }).then(function (tally) {
      if (tally) {
        var parts = [tally.envoye + " enregistrement(s) envoyé(s)"];
        if (tally.refuse) { parts.push(tally.refuse + " refusé(s)"); }
        if (tally.conflit) { parts.push(tally.conflit + " en conflit"); }
        $("hl-synchro").textContent = parts.join(", ") + ".";
      }
    }, function (problem) {
      if (problem && problem.connexion) {
        me.connected = false;
        $("hl-connectez").hidden = false;
      }
      if (problem && problem.jeton) { identified = false; }   // a new session since: ask who, and its token
      if (problem && problem.refus) { $("hl-synchro").textContent = problem.refus; return; }
      if (started) {
        $("hl-synchro").textContent = "Envoi interrompu : les enregistrements non envoyés restent dans ce navigateur.";
      }
    }).then(function () {
      sending = false;
      return refresh();
    }, function () { sending = false; });
  }

  // --- the browser's storage and cache -------------------------------------------------------------------
  function persistence() {
    if (!navigator.storage || !navigator.storage.persist) {
      $("hl-stockage").textContent = "Ce navigateur ne permet pas de demander un stockage durable.";
      return;
    }
    navigator.storage.persisted().then(function (done) { return done || navigator.storage.persist(); })
      .then(function (granted) {
        $("hl-stockage").dataset.durable = granted ? "oui" : "non";
        $("hl-stockage").textContent = granted
          ? "Stockage durable accordé : le navigateur ne supprimera pas ces données de lui-même."
          : "Stockage durable refusé par le navigateur : il pourrait effacer ces données s'il manque de place.";
      });
  }
  function worker() {
    if (!("serviceWorker" in navigator)) {
      $("hl-cache").textContent = "Ce navigateur ne peut pas garder la page pour l'ouvrir hors connexion.";
      return;
    }
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { return null; });
    navigator.serviceWorker.ready.then(function () {
      $("hl-cache").dataset.pret = "oui";
      $("hl-cache").textContent = "Page gardée par le navigateur : elle s'ouvre même sans connexion.";
    });
  }

  function start() {
    toggles();
    $("hl-patient_est_assure").addEventListener("change", toggles);
    $("hl-nir_connu").addEventListener("change", toggles);
    $("hl-ajouter").addEventListener("click", function () { openForm(null); });
    $("hl-annuler").addEventListener("click", closeForm);
    $("hl-form").addEventListener("submit", save);
    $("hl-masquer").addEventListener("click", function () { introduction(false); });
    $("hl-afficher").addEventListener("click", function () { introduction(true); });
    store.setting("intro-masquee").then(function (hidden) { if (hidden) { introduction(false, true); } });
    store.setting("utilisateur").then(function (known) {
      if (known && !me.login) { me.login = known.login; me.name = known.nom; }
      showUser();
      return loadFavourites().then(refresh);
    });
    document.addEventListener("feuille:connexion", function (event) { if (event.detail.joignable) { sendAll(); } });
    if (window.feuilleConnexion && window.feuilleConnexion.etat.joignable) { sendAll(); }  // answered already
    persistence();
    worker();
  }
  function introduction(show, quiet) {
    $("hl-introduction").hidden = !show;
    $("hl-afficher").hidden = show;
    if (!quiet) { store.setSetting("intro-masquee", !show); }
  }
  // What the file export and import (fichier.js) need of the page.
  window.feuilleHorsLigne = { login: function () { return me.login; }, records: mine, refresh: refresh,
                              sendAll: sendAll };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
