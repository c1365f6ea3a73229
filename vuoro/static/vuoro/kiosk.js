// The kiosk: print the ticket; read a booking's QR code with the camera where the browser can
// (BarcodeDetector; otherwise the key is typed); go back to the start when left alone.
(function () {
  "use strict";
  var body = document.body;
  var start = body.getAttribute("data-start");

  var print = document.querySelector("[data-print]");
  if (print && window.print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }

  // A queue number's live page: ask again every few seconds and show what changed, until nothing
  // more will (served, absent, another day).
  var live = document.querySelector("[data-live]");
  if (live && live.getAttribute("data-refresh-seconds")) {
    var every = parseInt(live.getAttribute("data-refresh-seconds"), 10) * 1000;
    var ask = function () {
      fetch(window.location.href, {cache: "no-store"}).then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) { setTimeout(ask, every); return; }
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-live]");
          if (!fresh) { setTimeout(ask, every); return; }
          live.innerHTML = fresh.innerHTML;
          if (fresh.getAttribute("data-refresh-seconds")) setTimeout(ask, every);
        }).catch(function () { setTimeout(ask, every); });
    };
    setTimeout(ask, every);
  }

  // Left alone: a screen with a number goes back after its seconds from the last touch; the start
  // page, once something was typed, after a minute without a touch (the next customer finds it empty).
  if (!body.classList.contains("ticket-live")) {
    var seconds = parseInt(body.getAttribute("data-reset-seconds") || "0", 10);
    var typed = seconds > 0;
    var timer = null;
    var restart = function () {
      if (!typed) return;
      clearTimeout(timer);
      timer = setTimeout(function () { window.location.replace(start); }, (seconds || 60) * 1000);
    };
    ["pointerdown", "keydown"].forEach(function (kind) { document.addEventListener(kind, restart, true); });
    document.addEventListener("input", function () { typed = true; restart(); }, true);
    restart();
  }

  // Enter in the phone field must not press the first matter's button.
  var phone = document.querySelector(".kiosk-ticket-form input[name=phone]");
  if (phone) {
    phone.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); phone.blur(); }
    });
  }

  var scan = document.querySelector("[data-scan]");
  var box = document.querySelector("[data-scanner]");
  if (!scan || !box || !("BarcodeDetector" in window) || !navigator.mediaDevices ||
      !navigator.mediaDevices.getUserMedia) return;
  window.BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf("qr_code") >= 0) scan.hidden = false;
  }).catch(function () {});
  var form = scan.form;
  var input = form.querySelector("input[name=reservation_key]");
  var video = box.querySelector("video");
  var status = box.querySelector("[data-scan-status]");
  var stream = null;
  function stop() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    box.hidden = true;
    scan.hidden = false;
  }
  box.querySelector("[data-scan-stop]").addEventListener("click", stop);
  scan.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({formats: ["qr_code"]});
    navigator.mediaDevices.getUserMedia({video: true, audio: false}).then(function (media) {
      stream = media;
      video.srcObject = media;
      box.hidden = false;
      scan.hidden = true;
      video.play();
      (function look() {
        if (!stream) return;
        detector.detect(video).then(function (codes) {
          // The check-in QR code holds the reservation key alone.
          var key = codes.map(function (code) { return (code.rawValue || "").trim(); })
            .filter(function (value) { return /^[0-9A-Za-z -]{8,20}$/.test(value); })[0];
          if (key) {
            input.value = key;
            stop();
            form.submit();
          } else {
            setTimeout(look, 200);
          }
        }).catch(function () { setTimeout(look, 500); });
      })();
    }).catch(function () {
      status.textContent = box.getAttribute("data-camera-failed");
      video.hidden = true;
      box.hidden = false;
      input.focus();
    });
  });
})();
