// The planning page: draw the table's weeks as charts (Chart.js, served from our own server).
// The table stays the source and the accessible form of the numbers; without JavaScript the
// charts stay hidden and nothing is lost.
(function () {
  var table = document.getElementById("weeks");
  if (!table || !window.Chart) return;
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
  var labels = rows.map(function (row) { return row.querySelector("th").textContent.trim(); });
  var variantNames = {};
  table.querySelectorAll("thead th[data-variant]").forEach(function (th) {
    variantNames[th.getAttribute("data-variant")] = th.textContent.trim();
  });
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function values(series, variant) {
    return rows.map(function (row) {
      var text = row.querySelector('td[data-series="' + series + '"][data-variant="' + variant + '"]')
        .getAttribute("data-value");
      return text === "" ? null : Number(text);
    });
  }

  document.querySelectorAll("figure[data-chart]").forEach(function (figure) {
    var series = figure.getAttribute("data-chart");
    figure.hidden = false;
    new window.Chart(figure.querySelector("canvas"), {
      type: "line",
      data: {
        labels: labels,
        datasets: [
          // Told apart by dash and point shape as well as by colour.
          {label: variantNames.baseline, data: values(series, "baseline"), borderColor: "#4a4a4a",
           backgroundColor: "#4a4a4a", borderDash: [6, 4], pointStyle: "rect", spanGaps: false},
          {label: variantNames.scenario, data: values(series, "scenario"), borderColor: "#0b4f8a",
           backgroundColor: "#0b4f8a", pointStyle: "circle", spanGaps: false}
        ]
      },
      options: {
        animation: reduceMotion ? false : {duration: 300},
        maintainAspectRatio: false,
        interaction: {mode: "index", intersect: false},
        scales: {
          y: {beginAtZero: true, title: {display: true, text: figure.getAttribute("data-unit")}}
        },
        plugins: {legend: {labels: {usePointStyle: true}}}
      }
    });
  });
})();
