// feuille: the follow-up charts. Each <canvas data-graphique="{labels, series}"> is drawn with Chart.js (from npm,
// /static/vendor); the same numbers are in the table under it, for whoever does not see the chart.
(function () {
  "use strict";
  var COLOURS = ["#1d4e89", "#1b7a3a", "#b00020", "#f0a500"];
  var euros = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });
  function draw(canvas) {
    var data = JSON.parse(canvas.dataset.graphique);
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
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + " : " + euros.format(c.raw); } } } },
        scales: { y: { ticks: { callback: function (v) { return euros.format(v); } } } }
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
