/* Draws the report charts from the JSON embedded beside each one (<script type="application/json"
   class="report-chart-data" data-canvas="…">). The numbers are the table's own: the table is the
   truth, the chart only pictures it. Uses the vendored Chart.js (static/vendor/chartjs). */
(function () {
  "use strict";
  var PALETTE = ["#8a1c2b", "#c9a400", "#1f7a3d", "#2b5d8a", "#7a4b9c", "#d2691e", "#5b6475", "#3aa6a0"];

  function formatter(spec) {
    if (spec.unit === "money") {
      var money = new Intl.NumberFormat(spec.locale, { style: "currency", currency: spec.currency });
      return function (v) { return money.format(v); };
    }
    if (spec.unit === "percent") {
      var pct = new Intl.NumberFormat(spec.locale, { maximumFractionDigits: 1 });
      return function (v) { return pct.format(v) + "%"; };
    }
    var count = new Intl.NumberFormat(spec.locale);
    return function (v) { return count.format(v); };
  }

  function draw(node) {
    var spec = JSON.parse(node.textContent);
    var canvas = document.getElementById(node.getAttribute("data-canvas"));
    if (!canvas || typeof Chart === "undefined") { return; }
    var fmt = formatter(spec);
    var line = spec.type === "line";
    var datasets = spec.datasets.map(function (d, i) {
      var colour = PALETTE[i % PALETTE.length];
      return { label: d.label, data: d.data, backgroundColor: line ? colour + "33" : colour,
               borderColor: colour, fill: line, tension: 0, maxBarThickness: 64, pointRadius: line ? 0 : undefined };
    });
    var value = spec.horizontal ? "x" : "y";
    var scales = { x: { stacked: spec.stacked }, y: { stacked: spec.stacked } };
    scales[value].ticks = { callback: function (v) { return fmt(v); } };
    if (spec.unit === "count") { scales[value].ticks.precision = 0; scales[value].beginAtZero = true; }
    if (spec.unit === "percent") { scales[value].max = 100; scales[value].beginAtZero = true; }
    new Chart(canvas, {
      type: line ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: scales,
        plugins: {
          legend: { display: datasets.length > 1 },
          tooltip: { callbacks: { label: function (ctx) {
            return ctx.dataset.label + ": " + fmt(ctx.parsed[value]);
          } } }
        }
      }
    });
  }

  function start() {
    var nodes = document.querySelectorAll("script.report-chart-data");
    for (var i = 0; i < nodes.length; i++) { draw(nodes[i]); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
