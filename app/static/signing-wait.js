// The remote-signing waiting state: ask the server every two seconds whether the
// signer's device has answered; the server finishes the step itself and names the page
// to go back to (with its message) once the request is done, refused, cancelled or late.
(function () {
  "use strict";
  var box = document.getElementById("signing-wait");
  if (!box) { return; }
  var status = document.getElementById("signing-status");
  var url = box.getAttribute("data-status-url");
  function ask() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {status: "gone"}; })
      .then(function (answer) {
        if (answer.next) { window.location.assign(answer.next); return; }
        if (answer.status === "gone") { window.location.reload(); return; }
        if (answer.message) { status.textContent = answer.message; }
        window.setTimeout(ask, 2000);
      })
      .catch(function () {
        status.textContent = "Mất kết nối tới hệ thống; đang thử lại…";
        window.setTimeout(ask, 4000);
      });
  }
  window.setTimeout(ask, 1000);
}());
