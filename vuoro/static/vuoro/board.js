// The display board: refresh on every server-sent event; poll every 2 s where events fail. A
// chime on a new call when staff turned it on (the switch, kept by this screen, or ?chime=1): a
// short tone made here with WebAudio, no file; where the browser blocks sound until a touch, a
// button asks for one.
(function () {
  var main = document.getElementById("board");
  if (!main) return;
  var partial = main.getAttribute("data-partial");
  var chime = document.querySelector("[data-chime]");
  var toggle = chime && chime.querySelector("[data-chime-toggle]");
  var unblock = chime && chime.querySelector("[data-chime-unblock]");
  var KEY = "vuoro-board-chime";
  var stored = null;
  try { stored = window.localStorage.getItem(KEY); } catch (e) { stored = null; }
  var chimeOn = chime && (stored ? stored === "on" : chime.getAttribute("data-chime") === "on");
  var audio = null;
  var chimed = 0;

  function newest() {
    var grid = main.querySelector("[data-newest]");
    return grid ? grid.getAttribute("data-newest") : "";
  }
  var last = newest();

  function context() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) audio = new Context();
    return audio;
  }
  function tone(ctx, frequency, at, length) {
    var osc = ctx.createOscillator(), gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.4, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + length + 0.05);
  }
  function ring() {
    var ctx = context();
    if (!ctx) return;
    var play = function () {
      var at = ctx.currentTime + 0.01;
      tone(ctx, 880, at, 0.35);
      tone(ctx, 660, at + 0.35, 0.5);
      chimed += 1;
      document.body.setAttribute("data-chimed", String(chimed));
    };
    if (ctx.state === "running") { play(); return; }
    ctx.resume().then(function () {
      if (ctx.state === "running") { unblock.hidden = true; play(); } else { unblock.hidden = false; }
    }, function () { unblock.hidden = false; });
    // Some browsers leave resume() pending until a touch: say so rather than wait in silence.
    setTimeout(function () { if (ctx.state !== "running") unblock.hidden = false; }, 500);
  }
  function show() {
    if (!toggle) return;
    toggle.setAttribute("aria-pressed", chimeOn ? "true" : "false");
    toggle.textContent = toggle.getAttribute(chimeOn ? "data-label-on" : "data-label-off");
    if (!chimeOn) unblock.hidden = true;
  }
  if (chime) {
    chime.hidden = false;
    show();
    toggle.addEventListener("click", function () {
      chimeOn = !chimeOn;
      try { window.localStorage.setItem(KEY, chimeOn ? "on" : "off"); } catch (e) { /* kept for this visit only */ }
      show();
      if (chimeOn) { var ctx = context(); if (ctx) ctx.resume(); }
    });
    unblock.addEventListener("click", function () {
      var ctx = context();
      if (ctx) ctx.resume().then(function () { unblock.hidden = ctx.state === "running"; });
    });
    if (chimeOn) { var ctx = context(); if (ctx && ctx.state !== "running") unblock.hidden = false; }
  }

  function refresh() {
    fetch(partial, {cache: "no-store"}).then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        main.innerHTML = html;
        var now = newest();
        if (now && now !== last && chimeOn) ring();
        last = now;
      }).catch(function () {});
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
