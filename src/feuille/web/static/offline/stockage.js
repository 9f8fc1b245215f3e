// The offline page's records, in IndexedDB through idb (window.idb, from npm). One store of records keyed by the
// id the browser gives each one (id_client, sent to the server: it stores a record once whatever the number of
// sendings), each with the login of the professional who typed it (several may share a browser); one store of
// settings (the login last known, the introduction hidden, each user's record counter).
// Also the checks the form makes before keeping a record: the same rules as the server's (NIR key included).
(function () {
  "use strict";
  var NAME = "feuille-hors-ligne";
  var opened = null;

  function base() {
    if (!opened) {
      opened = window.idb.openDB(NAME, 1, {
        upgrade: function (db) {
          var records = db.createObjectStore("enregistrements", { keyPath: "id_client" });
          records.createIndex("utilisateur", "utilisateur");
          db.createObjectStore("reglages", { keyPath: "cle" });
        }
      });
    }
    return opened;
  }
  function setting(key) {
    return base().then(function (db) { return db.get("reglages", key); })
      .then(function (found) { return found ? found.valeur : undefined; });
  }
  function setSetting(key, value) {
    return base().then(function (db) { return db.put("reglages", { cle: key, valeur: value }); });
  }
  function records(login) {
    return base().then(function (db) { return db.getAllFromIndex("enregistrements", "utilisateur", login); })
      .then(function (list) { return list.sort(function (a, b) { return b.numero - a.numero; }); });
  }
  function get(id) { return base().then(function (db) { return db.get("enregistrements", id); }); }
  function put(record) { return base().then(function (db) { return db.put("enregistrements", record); }); }
  function remove(id) { return base().then(function (db) { return db.delete("enregistrements", id); }); }
  // The next number shown in the list (« Numéro »), per user, never reused.
  function nextNumber(login) {
    return base().then(function (db) {
      var tx = db.transaction("reglages", "readwrite");
      var key = "compteur:" + login;
      return tx.store.get(key).then(function (found) {
        var number = (found ? found.valeur : 0) + 1;
        return tx.store.put({ cle: key, valeur: number }).then(function () { return tx.done; })
          .then(function () { return number; });
      });
    });
  }
  function newId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // The NIR's key: 97 - (the 13 characters as a number, Corsica 2A → 19, 2B → 18, mod 97); BigInt, since 13
  // digits do not fit a double exactly.
  function nirKey(body) {
    var digits = body.toUpperCase().replace("2A", "19").replace("2B", "18");
    return 97 - Number(BigInt(digits) % 97n);
  }
  var NAME_RE = /^[A-Za-zÀ-ÖØ-öø-ÿ' -]{1,80}$/;
  function checkName(problems, field, label, value) {
    if (!value.trim()) { problems.push({ field: field, message: label + " : champ obligatoire." }); }
    else if (!NAME_RE.test(value.trim())) {
      problems.push({ field: field, message: label + " : lettres, espaces, tirets et apostrophes seulement." });
    }
  }
  // The form's record → its problems ([{field, message}], French), as the server would refuse it.
  function check(r) {
    var problems = [];
    checkName(problems, "nom", "Nom", r.nom || "");
    checkName(problems, "prenom", "Prénom", r.prenom || "");
    if (!r.patient_est_assure) {
      checkName(problems, "assure_nom", "Nom de l'assuré", r.assure_nom || "");
      checkName(problems, "assure_prenom", "Prénom de l'assuré", r.assure_prenom || "");
    }
    if (r.nir_connu) {
      var body = (r.nir || "").replace(/\s/g, "").toUpperCase();
      var key = (r.cle || "").trim();
      if (!body) { problems.push({ field: "nir", message: "NIR : champ obligatoire quand le NIR est connu." }); }
      else if (!/^[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}$/.test(body)) {
        problems.push({ field: "nir", message: "NIR : 13 caractères attendus (chiffres, 2A ou 2B pour la Corse)." });
      }
      if (!key) { problems.push({ field: "cle", message: "Clé : champ obligatoire quand le NIR est connu." }); }
      else if (!/^[0-9]{2}$/.test(key)) { problems.push({ field: "cle", message: "Clé : 2 chiffres attendus." }); }
      else if (/^[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}$/.test(body) && Number(key) !== nirKey(body)) {
        problems.push({ field: "cle", message: "Clé : la clé de ce NIR est fausse (attendue " +
          ("0" + nirKey(body)).slice(-2) + ")." });
      }
    }
    var birth = (r.date_naissance || "").trim();
    if (birth && !/^\d{2}\/\d{2}\/\d{4}$/.test(birth)) {
      problems.push({ field: "date_naissance", message: "Date de naissance : JJ/MM/AAAA attendu." });
    } else if (!birth && !r.nir_connu) {
      problems.push({ field: "date_naissance", message: "Date de naissance : champ obligatoire quand le NIR n'est pas connu." });
    }
    if (r.rang && !/^[1-9]$/.test(String(r.rang).trim())) {
      problems.push({ field: "rang", message: "Rang : un chiffre de 1 à 9 attendu." });
    }
    if (!r.date_soins) { problems.push({ field: "date_soins", message: "Date des soins : champ obligatoire." }); }
    else if (new Date(r.date_soins).getTime() > Date.now() + 24 * 3600 * 1000) {
      problems.push({ field: "date_soins", message: "Date des soins : elle est dans le futur." });
    }
    if ((r.note || "").length > 2000) { problems.push({ field: "note", message: "Note : 2000 caractères au plus." }); }
    return problems;
  }

  window.feuilleStockage = {
    setting: setting, setSetting: setSetting, records: records, get: get, put: put, remove: remove,
    nextNumber: nextNumber, newId: newId, nirKey: nirKey, check: check
  };
})();
