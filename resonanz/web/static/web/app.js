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
})();
