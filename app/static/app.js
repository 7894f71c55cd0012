// No inline script anywhere (the Content-Security-Policy allows only this file): behaviour
// is attached here, by data- attributes.

// "Go back" buttons (the 409 page).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-action='back']");
  if (button) { event.preventDefault(); window.history.back(); }
});

// A final or destructive action asks before it is sent: the button that sends it carries
// the question (data-confirm), whether it is a process step's (Step.question, Edit.confirm)
// or a page's own (deleting a nominee or a file, verdicts in bulk). Pressing Enter in a
// field sends with the form's first button, which asks the same way.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var template = button && button.getAttribute("data-confirm-template");
  var question = template ? numberedQuestion(button.form, template)
    : button && button.getAttribute("data-confirm");
  if (question && !event.defaultPrevented && !window.confirm(question)) { event.preventDefault(); }
});

// A numbering step («Ban hành») names in its question the number and date it will use: the
// ones typed, else the register's next number for the date's year (data-next-numbers) and
// today (data-today). With no number typed, the form sends the number it named
// (expected_number): if another issue took it meanwhile, the server refuses and the page
// asks again with the new one.
function numberedQuestion(form, template) {
  var number = form.querySelector("[name=number]");
  var date = form.querySelector("[name=issued_on]");
  var expected = form.querySelector("[name=expected_number]");
  var iso = (date && date.value) || form.getAttribute("data-today");
  var ymd = iso.split("-");
  var typed = number ? number.value.trim() : "";
  var n = typed;
  if (!typed) {
    var next = JSON.parse(form.getAttribute("data-next-numbers") || "{}");
    n = next[ymd[0]] || (expected && expected.defaultValue);
    if (expected) { expected.value = n; }
  }
  var label = (/^\d+$/.test(String(n)) ? String(parseInt(n, 10)).padStart(2, "0") : n)
    + "/" + form.getAttribute("data-symbol");
  return template.replace("{number}", label).replace("{date}", ymd[2] + "/" + ymd[1] + "/" + ymd[0]);
}

// Hidden fields that carry what is typed in another form of the page (data-copy-from: its
// field's id), so that a round trip through this form keeps it (the scan saved before
// «Ban hành» keeps its typed number and date).
document.addEventListener("submit", function (event) {
  event.target.querySelectorAll("input[data-copy-from]").forEach(function (input) {
    var source = document.getElementById(input.getAttribute("data-copy-from"));
    if (source) { input.value = source.value; }
  });
});

// "Thêm dòng": a row editor (Nơi nhận) gets one more empty row, its labels renumbered.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-action='add-row']");
  if (!button) { return; }
  var body = document.getElementById(button.getAttribute("data-target"));
  var last = body && body.lastElementChild;
  if (!last) { return; }
  var row = last.cloneNode(true);
  var n = body.children.length + 1;
  row.querySelectorAll("input").forEach(function (input) {
    input.value = "";
    input.id = input.id.replace(/-\d+$/, "-" + n);
  });
  row.querySelectorAll("label").forEach(function (label) {
    label.htmlFor = label.htmlFor.replace(/-\d+$/, "-" + n);
    label.textContent = label.textContent.replace(/\d+$/, n);
  });
  body.appendChild(row);
  row.querySelector("input").focus();
});

// A table (or a paper's preview) wider than a phone scrolls inside its own box: that box
// can take the keyboard focus (arrow keys scroll it) and says what it holds (its
// data-scroll-label, its table's caption or the heading before it).
function markScrollingTables() {
  document.querySelectorAll(".table-responsive, .preview-sheets").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      if (!box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        var caption = box.querySelector("caption");
        var heading = box.previousElementSibling;
        var name = box.getAttribute("data-scroll-label") || (caption ? caption.textContent
          : (heading && /^H[1-6]$/.test(heading.tagName) ? heading.textContent : "Bảng"));
        box.setAttribute("aria-label", name.trim() + " (cuộn ngang để xem hết)");
      }
    } else if (box.getAttribute("role") === "region") {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  });
}
document.addEventListener("DOMContentLoaded", markScrollingTables);
window.addEventListener("resize", markScrollingTables);

// "Chọn tất cả": a checkbox with data-select-all="name" ticks or clears every checkbox of
// that name in its form.
document.addEventListener("change", function (event) {
  var all = event.target.closest("[data-select-all]");
  if (!all) { return; }
  var name = all.getAttribute("data-select-all");
  all.form.querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(
    function (box) { box.checked = all.checked; });
});

// "In văn bản" on a document preview: the browser's print dialog (preview.css lays it out).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-action='print']");
  if (button) { event.preventDefault(); window.print(); }
});

// Back at a place on a long page (a nominee after its verdict, /dossiers/7#nominee-12): the
// place the address names gets the keyboard focus too, where it takes it (tabindex="-1"),
// so the next Tab continues from there and a screen reader reads where it landed.
// A refused field the page came back with (a nominee's decline without its reason) is
// brought into view with its problem, wherever it is on a long page.
(function () {
  var refused = document.querySelector(".is-invalid[autofocus]");
  if (refused) {
    refused.focus();
    refused.scrollIntoView({block: "center"});
  }
})();
(function () {
  if (!window.location.hash) { return; }
  var target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
  if (target && target.getAttribute("tabindex") === "-1") { target.focus(); }
})();
