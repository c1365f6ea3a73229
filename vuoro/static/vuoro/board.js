// The display board: refresh on every server-sent event; poll every 2 s where events fail.
(function () {
  var main = document.getElementById("board");
  if (!main) return;
  var partial = main.getAttribute("data-partial");
  function refresh() {
    fetch(partial, {cache: "no-store"}).then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html) main.innerHTML = html; }).catch(function () {});
  }
  var polling = null;
  function poll() { if (!polling) polling = setInterval(refresh, 2000); }
  if (window.EventSource) {
    var source = new EventSource(main.getAttribute("data-events"));
    source.onmessage = refresh;
    source.onerror = function () { poll(); };
  } else {
    poll();
  }
  // The languages take turns even when nothing happens.
  setInterval(refresh, 10000);
})();
