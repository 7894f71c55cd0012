// No inline script anywhere (the Content-Security-Policy allows only this file): behaviour
// is attached here, by data- attributes.

// "Go back" buttons (the 409 page).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-action='back']");
  if (button) { event.preventDefault(); window.history.back(); }
});

// A final or destructive action asks before it is sent.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) { event.preventDefault(); }
});

// A destructive button inside a larger form (remove a nominee or a file) asks first.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var question = button && button.getAttribute("data-confirm");
  if (question && !event.defaultPrevented && !window.confirm(question)) { event.preventDefault(); }
});

// "Chọn tất cả": a checkbox with data-select-all="name" ticks or clears every checkbox of
// that name in its form.
document.addEventListener("change", function (event) {
  var all = event.target.closest("[data-select-all]");
  if (!all) { return; }
  var name = all.getAttribute("data-select-all");
  all.form.querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(
    function (box) { box.checked = all.checked; });
});
