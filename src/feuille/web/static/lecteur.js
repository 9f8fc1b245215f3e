// The « Lecteur de cartes » page: pair this browser with the desk's card agent, then read the cards to check it.
(function () {
  "use strict";
  function start() {
    var form = document.getElementById("appairage");
    var state = document.getElementById("etat-lecteur");
    var shown = document.getElementById("cartes-lues");
    var address = document.getElementById("agent_adresse"), token = document.getElementById("agent_jeton");
    var current = window.feuilleAgent.settings();
    if (current) {
      address.value = current.url;
      state.textContent = "Ce poste est appairé avec " + current.url + ".";
    } else {
      state.textContent = "Ce poste n'est pas encore appairé.";
    }
    function text(tag, value) { var el = document.createElement(tag); el.textContent = value; return el; }
    function read() {
      shown.textContent = "";
      state.textContent = "Lecture des cartes…";
      window.feuilleAgent.cards().then(function (cards) {
        state.textContent = "Lecteur joignable.";
        var list = document.createElement("ul");
        var pro = cards.professionnelle, vitale = cards.vitale;
        list.appendChild(text("li", pro ? "Carte professionnelle : " + pro.prenom + " " + pro.nom + " (" + pro.type + ")"
                                        : "Aucune carte professionnelle."));
        var how = { nfc: " (NFC)", qr: " (QR code)" }[vitale && vitale.lecture] || "";
        var what = vitale && vitale.type === "apcv" ? "Appli carte Vitale" + how : "Carte Vitale";
        list.appendChild(text("li", vitale ? what + " : " + vitale.beneficiaires.length + " bénéficiaire(s)"
                                           : "Aucune carte Vitale."));
        shown.appendChild(list);
      }).catch(function (error) { state.textContent = error.message; });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.feuilleAgent.pair(address.value, token.value);
      token.value = "";
      read();
    });
    document.getElementById("lire").addEventListener("click", read);
    document.getElementById("oublier").addEventListener("click", function () {
      window.feuilleAgent.forget();
      shown.textContent = "";
      state.textContent = "Appairage oublié : ce poste n'est plus relié au lecteur.";
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
