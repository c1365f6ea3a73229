// The insight page: draw the weeks table as a chart beside the goal (Chart.js, served from our own
// server). The table stays the source and the accessible form of the numbers; without JavaScript
// the chart stays hidden and nothing is lost.
(function () {
  var table = document.getElementById("weeks");
  var figure = document.querySelector("figure[data-chart]");
  if (!table || !figure || !window.Chart) return;
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
  var labels = rows.map(function (row) { return row.querySelector("th").textContent.trim(); });
  var heads = Array.prototype.slice.call(table.querySelectorAll("thead th[data-service]"));
  var colours = ["#0b4f8a", "#8a3b0b", "#2d6a1f", "#5b2a86", "#7a5c00", "#005f5f"];
  var shapes = ["circle", "rect", "triangle", "rectRot", "star", "crossRot"];
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var datasets = heads.map(function (th, column) {
    return {
      label: th.textContent.trim(),
      data: rows.map(function (row) {
        var text = row.querySelectorAll("td")[column].getAttribute("data-value");
        return text === "" ? null : Number(text);
      }),
      borderColor: colours[column % colours.length], backgroundColor: colours[column % colours.length],
      pointStyle: shapes[column % shapes.length], spanGaps: false
    };
  });
  var goal = Number(figure.getAttribute("data-goal"));
  datasets.push({label: figure.getAttribute("data-goal-label"), data: rows.map(function () { return goal; }),
                 borderColor: "#4a4a4a", backgroundColor: "#4a4a4a", borderDash: [6, 4], pointRadius: 0,
                 pointStyle: "line"});
  figure.hidden = false;
  new window.Chart(figure.querySelector("canvas"), {
    type: "line",
    data: {labels: labels, datasets: datasets},
    options: {
      animation: reduceMotion ? false : {duration: 300},
      maintainAspectRatio: false,
      interaction: {mode: "index", intersect: false},
      scales: {y: {beginAtZero: true, title: {display: true, text: figure.getAttribute("data-unit")}}},
      plugins: {legend: {labels: {usePointStyle: true}}}
    }
  });
})();
