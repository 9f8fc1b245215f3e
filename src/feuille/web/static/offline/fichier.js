// Beyond the manual: the records of this browser saved to a JSON file, and read back (on this browser or another
// one). An imported record keeps the id and typing time it was given, so that one already sent from elsewhere is
// recognised by the server (deja_recu) instead of being stored twice; one already in this browser is skipped.
(function () {
  "use strict";
  var store = window.feuilleStockage;
  var FORMAT = "feuille-hors-ligne";
  var ID = /^[A-Za-z0-9_-]{8,64}$/;
  var $ = function (id) { return document.getElementById(id); };

  function page() { return window.feuilleHorsLigne; }

  function exportAll() {
    return page().records().then(function (list) {
      var data = { format: FORMAT, version: 1, exporte_le: new Date().toISOString(), utilisateur: page().login(),
                   enregistrements: list.map(function (r) {
                     var copy = Object.assign({}, r);
                     delete copy.utilisateur;
                     return copy;
                   }) };
      var blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "feuille-hors-ligne-" + data.exporte_le.slice(0, 10) + ".json";
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
      $("hl-fichier-message").textContent = list.length + " enregistrement(s) exporté(s) dans " + link.download + ".";
    });
  }

  function importOne(record, tally) {
    if (!record || typeof record !== "object" || !ID.test(String(record.id_client || ""))) {
      tally.ignores += 1;
      return Promise.resolve();
    }
    return store.get(record.id_client).then(function (known) {
      if (known) { tally.presents += 1; return null; }
      return store.nextNumber(page().login()).then(function (number) {
        var copy = Object.assign({}, record, { utilisateur: page().login(), numero: number, etat: "a_envoyer" });
        delete copy.erreur;   // sent again from here: the server answers anew
        tally.importes += 1;
        return store.put(copy);
      });
    });
  }

  function importFile(file) {
    var tally = { importes: 0, presents: 0, ignores: 0 };
    return file.text().then(function (content) {
      var data;
      try { data = JSON.parse(content); } catch (e) { data = null; }
      if (!data || data.format !== FORMAT || !Array.isArray(data.enregistrements)) {
        throw new Error("Ce fichier n'est pas un export du mode hors connexion de feuille.");
      }
      return data.enregistrements.reduce(function (chain, record) {
        return chain.then(function () { return importOne(record, tally); });
      }, Promise.resolve());
    }).then(function () {
      var parts = [tally.importes + " enregistrement(s) importé(s)"];
      if (tally.presents) { parts.push(tally.presents + " déjà présent(s)"); }
      if (tally.ignores) { parts.push(tally.ignores + " illisible(s) ignoré(s)"); }
      $("hl-fichier-message").textContent = parts.join(", ") + ".";
      return page().refresh();
    }, function (problem) {
      $("hl-fichier-message").textContent = problem.message;
    });
  }

  function start() {
    $("hl-exporter").addEventListener("click", exportAll);
    $("hl-importer").addEventListener("change", function (event) {
      var file = event.target.files && event.target.files[0];
      if (file) { importFile(file).then(function () { event.target.value = ""; }); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
