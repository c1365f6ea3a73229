// The month in figures and the observed service times: draw each table's chart (Chart.js, served
// from our own server) from the numbers in the table's cells (data-value). The table stays the
// source and the accessible form of the numbers; without JavaScript the charts stay hidden and
// nothing is lost.
//
// A chart is a <figure class="chart" hidden> with
//   data-table    the table's id;
//   data-columns  the cells drawn, by index after the row's heading (0 = the first <td>), space-separated;
//                 each is a series named by its column heading;
//   data-rows     "week": the table's ISO-week rows (data-key "2026-W13"), drawn as lines over the weeks;
//                 "service": a dot chart, one row a service: the rows across all points (data-point="")
//                 or, when one point was chosen, that point's rows;
//   data-unit     the value axis's title; data-x-title the week axis's title;
//   data-percent  the cells hold shares (0-1), drawn as per cent.
(function () {
  if (!window.Chart) return;
  // Dark enough for 3:1 against white, and each series has its own point shape and dash as well,
  // so that colour is never the only cue.
  var colours = ["#0b4f8a", "#8a3b0b", "#2d6a1f", "#5b2a86", "#4a4a4a"];
  var shapes = ["circle", "triangle", "rect", "rectRot", "star"];
  var dashes = [[], [6, 4], [2, 3], [10, 3, 2, 3], [8, 2]];
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var locale = document.documentElement.lang || undefined;

  function cellValue(row, column, percent) {
    var cell = row.querySelectorAll("td")[column];
    var text = cell ? cell.getAttribute("data-value") : "";
    if (text === null || text === "") return null;
    return percent ? Math.round(Number(text) * 1000) / 10 : Number(text);
  }

  function headings(table) {
    return Array.prototype.slice.call(table.querySelectorAll("thead th")).map(function (th) {
      return th.textContent.trim();
    });
  }

  function weekRows(table) {
    return Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-key]")).filter(function (row) {
      return /^\d{4}-W\d{2}$/.test(row.getAttribute("data-key"));
    });
  }

  function serviceRows(table) {
    var all = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-service]"));
    var network = all.filter(function (row) { return row.getAttribute("data-point") === ""; });
    return network.length ? network : all;
  }

  document.querySelectorAll("figure.chart[data-table]").forEach(function (figure) {
    var table = document.getElementById(figure.getAttribute("data-table"));
    if (!table) return;
    var byService = figure.getAttribute("data-rows") === "service";
    var rows = byService ? serviceRows(table) : weekRows(table);
    if (!rows.length) return;  // nothing to draw: the figure stays hidden
    var percent = figure.hasAttribute("data-percent");
    var names = headings(table);
    var columns = figure.getAttribute("data-columns").split(" ").map(Number);
    var labels = rows.map(function (row) {
      return byService ? row.querySelector("th").textContent.trim()
                       : String(Number(row.getAttribute("data-key").slice(6)));
    });
    var datasets = columns.map(function (column, n) {
      return {
        label: names[column + 1],
        data: rows.map(function (row) { return cellValue(row, column, percent); }),
        borderColor: colours[n % colours.length], backgroundColor: colours[n % colours.length],
        pointStyle: shapes[n % shapes.length], pointRadius: byService ? 7 : 4, pointHoverRadius: byService ? 9 : 6,
        borderDash: dashes[n % dashes.length], showLine: !byService, spanGaps: false
      };
    });
    var drawn = datasets.some(function (dataset) {
      return dataset.data.some(function (value) { return value !== null; });
    });
    if (!drawn) return;  // every cell "–" (desk time of one service): the table says it, no empty chart
    var valueAxis = {beginAtZero: true, title: {display: true, text: figure.getAttribute("data-unit")}};
    var categoryAxis = {title: {display: !byService, text: figure.getAttribute("data-x-title") || ""}};
    if (byService) {  // one row a service, however many: grow the box rather than squeeze the rows
      figure.querySelector(".chart-box").style.height = Math.max(14, 8 + rows.length * 3) + "rem";
    }
    figure.hidden = false;
    new window.Chart(figure.querySelector("canvas"), {
      type: "line",
      data: {labels: labels, datasets: datasets},
      options: {
        locale: locale,
        indexAxis: byService ? "y" : "x",
        animation: reduceMotion ? false : {duration: 300},
        maintainAspectRatio: false,
        interaction: {mode: "index", intersect: false, axis: byService ? "y" : "x"},
        scales: byService ? {x: valueAxis, y: categoryAxis} : {x: categoryAxis, y: valueAxis},
        plugins: {legend: {labels: {usePointStyle: true}}}
      }
    });
  });
})();
