// After htmx swaps in another month, move focus to its heading so keyboard and screen-reader
// users hear which month they are in. Without JavaScript the month links load whole pages.
document.addEventListener("htmx:afterSettle", function () {
  var heading = document.getElementById("month-heading");
  if (heading) {
    heading.focus();
  }
});
