// The clerk's console (vuoro.walkin.console_desk). Without JavaScript every button is a plain form,
// "did not come" asks on a page of its own, and the waiting list has a refresh link; htmx polls it.
// Here: the confirm dialog for "did not come", and one-key shortcuts (N, R, S, F, P, U) that act
// only when focus is not in a field, with a switch to turn them off (WCAG 2.1.4).
(function () {
  "use strict";
  var STORE = "vuoro.console.shortcuts";

  function shortcutsOn() {
    try { return window.localStorage.getItem(STORE) !== "off"; } catch (error) { return true; }
  }

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-confirm]");
    if (trigger) {
      var dialog = document.getElementById(trigger.getAttribute("data-confirm"));
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        dialog.showModal();
        dialog.addEventListener("close", function () { trigger.focus(); }, { once: true });
      }
      return;
    }
    var closer = event.target.closest("[data-close]");
    if (closer && closer.closest("dialog")) {
      closer.closest("dialog").close();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (!shortcutsOn() || event.ctrlKey || event.metaKey || event.altKey || event.repeat || event.defaultPrevented) {
      return;
    }
    var target = event.target;
    if (target.closest && target.closest("input, select, textarea, [contenteditable], dialog")) {
      return;
    }
    if (document.querySelector("dialog[open]") || !event.key || event.key.length !== 1) {
      return;
    }
    var button = document.querySelector('[data-shortcut="' + event.key.toLowerCase() + '"]');
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.getElementById("shortcuts-on");
    if (!toggle) {
      return;
    }
    toggle.checked = shortcutsOn();
    toggle.closest(".shortcuts-switch").hidden = false;
    toggle.addEventListener("change", function () {
      try { window.localStorage.setItem(STORE, toggle.checked ? "on" : "off"); } catch (error) { /* private mode */ }
    });
  });
})();
