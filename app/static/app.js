// No inline script anywhere (the Content-Security-Policy allows only this file): behaviour
// is attached here, by data- attributes.

// "Go back" buttons (the 409 page).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-action='back']");
  if (button) { event.preventDefault(); window.history.back(); }
});

// A typed date as people write it, d/m/yyyy or dd/mm/yyyy (ISO too, as the API takes it):
// [yyyy, mm, dd] when it is a real day, else null.
function dayOf(text) {
  var t = (text || "").trim();
  var m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
  var parts = m ? [m[3], m[2], m[1]] : (/^(\d{4})-(\d{2})-(\d{2})$/.exec(t) || []).slice(1);
  if (parts.length !== 3) { return null; }
  var d = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
  if (d.getUTCFullYear() !== +parts[0] || d.getUTCMonth() !== +parts[1] - 1
      || d.getUTCDate() !== +parts[2]) { return null; }
  return [parts[0], ("0" + parts[1]).slice(-2), ("0" + parts[2]).slice(-2)];
}

// The app's own words for a field it refuses before sending (every form is novalidate, so
// the browser never speaks, in its own language): what is missing or wrong, and the form
// expected. The server checks the same again and answers in the same words.
function fieldName(field) {
  var label = field.labels && field.labels.length ? field.labels[0].textContent
    : (field.getAttribute("aria-label") || field.name);
  return label.replace(/\s*\((bắt buộc|dd\/mm\/yyyy)\)\s*$/i, "").replace(/\s+/g, " ").trim();
}

function fieldProblem(field) {
  var name = "«" + fieldName(field) + "»";
  var v = field.validity;
  var empty = !field.value || (field.type !== "file" && !field.value.trim());
  if (field.required && empty) {
    return field.type === "file" ? name + ": chưa chọn tệp. Bấm «Chọn tệp…» để chọn."
      : name + ": bắt buộc, hãy điền vào ô này.";
  }
  if (empty) { return null; }
  if (field.hasAttribute("data-date") && !dayOf(field.value)) {
    return name + ": ngày không hợp lệ; ghi theo dạng dd/mm/yyyy, ví dụ 02/09/2025.";
  }
  if (!v) { return null; }
  if (v.badInput || (v.typeMismatch && field.type === "number")) { return name + ": phải là số, ví dụ 12."; }
  if (v.typeMismatch && field.type === "email") { return name + ": địa chỉ thư điện tử chưa đúng, ví dụ ten@donvi.gov.vn."; }
  if (v.rangeUnderflow) { return name + ": không được nhỏ hơn " + field.min + "."; }
  if (v.rangeOverflow) { return name + ": không được lớn hơn " + field.max + "."; }
  if (v.stepMismatch) { return name + ": phải là số nguyên."; }
  if (v.tooLong) { return name + ": tối đa " + field.maxLength + " ký tự."; }
  if (v.patternMismatch || v.typeMismatch) {
    return name + ": chưa đúng dạng" + (field.title ? " (" + field.title + ")" : "") + ".";
  }
  return null;
}

function showProblem(field, message) {
  var id = (field.id || field.name) + "-problem";
  var box = document.getElementById(id);
  if (!message) {
    if (box && box.hasAttribute("data-client")) {
      box.remove();
      field.classList.remove("is-invalid");
      field.removeAttribute("aria-invalid");
      var rest = (field.getAttribute("aria-describedby") || "").split(" ").filter(
        function (x) { return x && x !== id; });
      if (rest.length) { field.setAttribute("aria-describedby", rest.join(" ")); }
      else { field.removeAttribute("aria-describedby"); }
    }
    return;
  }
  if (!box) {
    box = document.createElement("div");
    box.id = id;
    box.className = "invalid-feedback d-block";
    box.setAttribute("data-client", "");
    var anchor = field.closest(".file-picker") || field;
    anchor.insertAdjacentElement("afterend", box);
    var described = (field.getAttribute("aria-describedby") || "").split(" ");
    if (described.indexOf(id) < 0) {
      field.setAttribute("aria-describedby", described.concat([id]).join(" ").trim());
    }
  }
  box.textContent = message;
  field.classList.add("is-invalid");
  field.setAttribute("aria-invalid", "true");
}

// Checked before anything else on submit (capture): a refused form asks no confirmation.
// A button with formnovalidate (or a form marked data-no-check) sends as it is; a button
// with data-check="<selector>" has only the fields of that part checked (one part's
// mistake never blocks another part's action: «Thêm» a nominee with a wrong date above).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter;
  if (button && button.hasAttribute("formnovalidate")) { return; }
  if (form.hasAttribute("data-no-check")) { return; }
  var scope = button && button.getAttribute("data-check")
    ? form.querySelector(button.getAttribute("data-check")) : form;
  var first = null;
  Array.prototype.forEach.call(form.elements, function (field) {
    if (scope && !scope.contains(field)) { return; }
    if (!field.name || field.disabled || field.type === "hidden" || field.readOnly
        || /^(submit|button|reset)$/.test(field.type)) { return; }
    var problem = fieldProblem(field);
    showProblem(field, problem);
    if (problem && !first) { first = field; }
  });
  if (first) {
    event.preventDefault();
    event.stopImmediatePropagation();
    first.focus();
  }
}, true);

// A corrected field loses its message as soon as it is right, while it is typed (not on
// leaving it: the page would move under the click that leaves it, and the click miss).
function recheck(event) {
  var field = event.target;
  if (field.form && document.getElementById((field.id || field.name) + "-problem")
      && !fieldProblem(field)) {
    showProblem(field, null);
  }
}
document.addEventListener("input", recheck);
document.addEventListener("change", function (event) {
  if (event.target.type === "file" || event.target.tagName === "SELECT") { recheck(event); }
});

// The app's file picker (_macros.file_input): the chosen file's name, or «Chưa chọn tệp».
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.classList || !input.classList.contains("file-picker-input")) { return; }
  var shown = document.getElementById(input.id + "-chosen");
  if (!shown) { return; }
  var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
  shown.textContent = names.length ? names.join(", ") : "Chưa chọn tệp";
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
  var ymd = (date && dayOf(date.value)) || form.getAttribute("data-today").split("-");
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
