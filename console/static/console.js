/* The console's only script: draws the charts a page declares (data-chart holds an ECharts option
   as JSON), on first load and after each htmx swap. No inline script anywhere (the CSP forbids it). */
(function () {
  "use strict";
  function draw(root) {
    if (!window.echarts) { return; }
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(JSON.parse(el.dataset.chart));
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
    if (window.htmx) { window.htmx.onLoad(draw); }
  });
})();
