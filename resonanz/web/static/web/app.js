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
  // Links that reload the page (in error messages).
  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("[data-reload]") : null;
    if (link) {
      event.preventDefault();
      window.location.reload();
    }
  });

  if (!window.htmx) {
    return;
  }

  // htmx swaps only 2xx answers by default: a refused reply would fail silently. The server answers
  // 400/403/404/409/422 with a partial: its own pane's form with the error, or a message retargeted to
  // #errors (resonanz/web/middleware.py). Other failures are told in #errors from here.
  window.htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "(400|403|404|409|422)", swap: true, error: true },
    { code: "[45]..", swap: false, error: true },
    { code: "...", swap: false },
  ];

  function errors() {
    return document.getElementById("errors");
  }

  function tell(text) {
    var area = errors();
    if (!area) {
      return;
    }
    var paragraph = document.createElement("p");
    paragraph.className = "error";
    paragraph.textContent = text;
    area.replaceChildren(paragraph);
  }

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    // An agent's new attempt (a form sent) clears the last error; background refreshes leave it.
    var area = errors();
    if (area && event.detail.elt instanceof HTMLFormElement) {
      area.replaceChildren();
    }
  });

  document.body.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status >= 500 || [400, 403, 404, 409, 422].indexOf(status) < 0) {
      tell(errors().dataset.serverError);
    }
  });

  document.body.addEventListener("htmx:sendError", function () {
    tell(errors().dataset.networkError);
  });
})();
