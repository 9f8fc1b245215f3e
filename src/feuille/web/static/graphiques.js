// feuille: the follow-up charts. Each <canvas data-graphique="{labels, series, unit, stacked}"> is drawn with
// Chart.js (from npm, /static/vendor); the same numbers are in the table under it, for whoever does not see the
// chart. « unit »: « euros » (amounts, the default) or « nombre » (counts of invoices); « stacked »: one bar per
// label, its series piled up (the parts of a whole, such as the ways invoices were secured).
(function () {
  "use strict";
  var COLOURS = ["#1d4e89", "#1b7a3a", "#b00020", "#f0a500"];
  var euros = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });
  var counts = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 0 });
  function draw(canvas) {
    var data = JSON.parse(canvas.dataset.graphique);
    var format = data.unit === "nombre" ? counts : euros;
    var stacked = Boolean(data.stacked);
    var ticks = { callback: function (v) { return format.format(v); } };
    if (data.unit === "nombre") { ticks.precision = 0; }   // no « 0,5 facture »
    canvas.chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s, i) {
          return { label: s.label, data: s.values.map(Number), backgroundColor: COLOURS[i % COLOURS.length] };
        })
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + " : " + format.format(c.raw); } } } },
        scales: {
          x: { stacked: stacked },
          y: { stacked: stacked, beginAtZero: true, ticks: ticks }
        }
      }
    });
    canvas.dataset.dessine = "oui";
  }
  function start() {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas[data-graphique]").forEach(draw);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
