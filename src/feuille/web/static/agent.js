// The card agent at the desk, as the page reaches it: `feuille carte http --origine <this application's origin>`
// runs it on 127.0.0.1 and prints a pairing token; the page « Lecteur de cartes » (/lecteur) stores its address
// and token in this browser (localStorage: they belong to the desk, not to the user). The cards never leave the
// desk: the page reads them here and sends the server only what it needs; signing is the second of the three
// steps (the server prepared the bytes, the agent signs them, the server commits).
window.feuilleAgent = (function () {
  "use strict";
  var KEY = "feuille:agent";

  function AgentError(code, message) { this.code = code; this.message = message; }
  AgentError.prototype = Object.create(Error.prototype);

  function settings() {
    try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }
  function pair(url, token) {
    localStorage.setItem(KEY, JSON.stringify({ url: String(url).trim().replace(/\/+$/, ""), token: String(token).trim() }));
  }
  function forget() { localStorage.removeItem(KEY); }

  function call(method, path, body) {
    var s = settings();
    if (!s) {
      return Promise.reject(new AgentError("non_appaire", "Ce poste n'est pas relié au lecteur de cartes : " +
        "ouvrez « Lecteur de cartes » pour l'appairer."));
    }
    var init = { method: method, headers: { "Authorization": "Bearer " + s.token } };
    if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    return fetch(s.url + path, init).catch(function () {
      throw new AgentError("injoignable", "Le lecteur de cartes ne répond pas à " + s.url + " : lancez « feuille " +
        "carte http --origine " + location.origin + " » sur ce poste.");
    }).then(function (answer) {
      return answer.json().catch(function () { return {}; }).then(function (data) {
        if (!answer.ok) {
          throw new AgentError(data.erreur || "refus", data.message || "Le lecteur de cartes a refusé la demande.");
        }
        return data;
      });
    });
  }

  return {
    AgentError: AgentError,
    settings: settings,
    pair: pair,
    forget: forget,
    // {professionnelle: {...} | null, vitale: {numero_serie, nir_assure, beneficiaires: [...]} | null}
    cards: function () { return call("GET", "/cartes"); },
    // the same, once the Vitale app (ApCV) was read by the reader's NFC sensor ("nfc") or camera ("qr");
    // vitale.type is then "apcv"
    readApp: function (reading) { return call("GET", "/appli/" + (reading === "qr" ? "qr" : "nfc")); },
    // how each way of reading is named on the pages
    READINGS: { vitale: "Carte Vitale", nfc: "Appli carte Vitale – NFC", qr: "Appli carte Vitale – QR code" },
    // the cards read the chosen way: "vitale" (the card in the reader), "nfc" or "qr" (the app)
    read: function (how) { return how === "nfc" || how === "qr" ? call("GET", "/appli/" + how) : call("GET", "/cartes"); },
    // the card's signature of the prepared bytes (base64 in, base64 out)
    sign: function (serial, base64) { return call("POST", "/signer", { carte: serial, donnees: base64 }); }
  };
})();
