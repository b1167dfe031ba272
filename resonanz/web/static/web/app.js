// The agent UI's few behaviours, from a file: the Content Security Policy allows no inline scripts.
(function () {
  "use strict";

  // The language picker submits itself when changed.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.matches("[data-submit-on-change]") && target.form) {
      target.form.submit();
    }
  });

  // Read-only fields that hold something to copy (a webhook URL, a secret, a new token) select
  // themselves when clicked.
  document.addEventListener("click", function (event) {
    var target = event.target;
    if ((target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) &&
        target.matches("[data-select-on-click]")) {
      target.select();
    }
  });

  // Buttons with data-confirm ask before they submit.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-confirm]") : null;
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
