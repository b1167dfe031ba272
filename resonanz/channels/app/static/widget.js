/* Resonanz chat widget. Vanilla JS, no build step, no third-party requests.
 *
 * Embed with one tag:
 *   <script src="https://resonanz.example/widget/widget.js" data-account="3"
 *           data-api="https://resonanz.example/" data-user-token="…" defer></script>
 *
 * data-account      the app channel account id (required)
 * data-api          where Resonanz runs (default: where this script came from)
 * data-user-token   the signed user token made by your backend; without it the customer is anonymous
 *                   and the widget keeps a random visitor id in localStorage
 * data-user-name    the name shown to agents for a signed-in customer
 * data-title        the panel's title; data-lang "de" (default) or "en"; data-open "true" opens at once
 *
 * Every text from the server is put into the page with textContent, never as HTML.
 *
 * Deflection: while the customer types a first question, matching public answers (help articles, accepted
 * community answers) are shown below the box (GET …/suggestions?q=); opening one and sending anyway are
 * reported (POST …/deflection), so the share of customers who stop after reading one can be measured.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__resonanzWidget) { return; }
  window.__resonanzWidget = true;

  var data = script.dataset;
  var account = data.account;
  var api = (data.api || new URL(script.src, location.href).origin + "/").replace(/\/?$/, "/");
  var lang = data.lang === "en" ? "en" : "de";
  var POLL_MS = 4000;

  var TEXT = {
    de: {
      open: "Hilfe & Kontakt", close: "Schließen", title: "Kundenservice",
      chat: "Chat", problem: "Problem melden", address: "Adresse ändern",
      hello: "Wie können wir helfen? Schreiben Sie uns – wir antworten hier.",
      placeholder: "Ihre Nachricht …", send: "Senden",
      category: "Worum geht es?", description: "Beschreibung", postal: "Postleitzahl (optional)",
      street: "Straße und Hausnummer", postalRequired: "Postleitzahl", city: "Ort", note: "Anmerkung (optional)",
      submit: "Absenden", you: "Sie", team: "Service-Team",
      sent: "Danke! Ihre Meldung ist bei uns angekommen.",
      errRate: "Zu viele Anfragen – bitte versuchen Sie es später noch einmal.",
      errAuth: "Ihre Anmeldung ist abgelaufen. Bitte laden Sie die Seite neu.",
      errInput: "Bitte prüfen Sie Ihre Eingabe: ", errNet: "Keine Verbindung. Bitte erneut versuchen.",
      requested: "wartet auf Bestätigung", confirmed: "bestätigt",
      matches: "Vielleicht hilft das schon:",
      categories: { internet: "Internet", tv: "Fernsehen", phone: "Festnetz", mobile: "Mobilfunk",
        device: "Router/Gerät", billing: "Rechnung", other: "Sonstiges" }
    },
    en: {
      open: "Help & contact", close: "Close", title: "Customer service",
      chat: "Chat", problem: "Report a problem", address: "Change address",
      hello: "How can we help? Write to us – we answer here.",
      placeholder: "Your message …", send: "Send",
      category: "What is it about?", description: "Description", postal: "Postal code (optional)",
      street: "Street and number", postalRequired: "Postal code", city: "City", note: "Note (optional)",
      submit: "Submit", you: "You", team: "Service team",
      sent: "Thank you! We have received your report.",
      errRate: "Too many requests – please try again later.",
      errAuth: "Your session has expired. Please reload the page.",
      errInput: "Please check your input: ", errNet: "No connection. Please try again.",
      requested: "awaiting confirmation", confirmed: "confirmed",
      matches: "This may already help:",
      categories: { internet: "Internet", tv: "TV", phone: "Landline", mobile: "Mobile",
        device: "Router/device", billing: "Invoice", other: "Other" }
    }
  }[lang];

  // --- identity -----------------------------------------------------------------------------------------
  function randomId(bytes) {
    var buffer = new Uint8Array(bytes);
    crypto.getRandomValues(buffer);
    var out = "";
    for (var i = 0; i < buffer.length; i++) { out += ("0" + buffer[i].toString(16)).slice(-2); }
    return out;
  }

  function storage(key, value) {
    try {
      if (value === undefined) { return localStorage.getItem(key); }
      localStorage.setItem(key, value);
    } catch (e) { /* private mode: the id lives as long as the page */ }
    return value;
  }

  var memoryVisitor = null;
  function visitorId() {
    var key = "resonanz.visitor." + account;
    var id = storage(key) || memoryVisitor;
    if (!id || !/^[A-Za-z0-9_-]{22,64}$/.test(id)) { id = storage(key, randomId(24)); }
    memoryVisitor = id;
    return id;
  }

  function headers(json) {
    var h = {};
    if (json) { h["Content-Type"] = "application/json"; }
    if (data.userToken) { h.Authorization = "Bearer " + data.userToken; }
    else { h["X-Resonanz-Visitor"] = visitorId(); }
    return h;
  }

  function call(method, path, body) {
    return fetch(api + "api/app/" + account + path, {
      method: method, headers: headers(!!body), body: body ? JSON.stringify(body) : undefined,
      credentials: "omit", mode: "cors"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (payload) {
        if (!response.ok) {
          var error = new Error(payload.detail || String(response.status));
          error.status = response.status;
          throw error;
        }
        return payload;
      });
    });
  }

  function describe(error) {
    if (error.status === 429) { return TEXT.errRate; }
    if (error.status === 401) { return TEXT.errAuth; }
    if (error.status === 400) { return TEXT.errInput + error.message; }
    return TEXT.errNet;
  }

  // --- DOM helpers ---------------------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") { node.textContent = attrs[name]; }
      else { node.setAttribute(name, attrs[name]); }
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function field(label, control) {
    return el("label", { "class": "rz-field" }, [el("span", { text: label }), control]);
  }

  // --- build ---------------------------------------------------------------------------------------------
  var host = el("div", { id: "resonanz-widget" });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  root.appendChild(el("link", { rel: "stylesheet", href: api + "widget/widget.css" }));

  var launcher = el("button", { type: "button", "class": "rz-launcher", "aria-expanded": "false", text: TEXT.open });
  var panel = el("section", { "class": "rz-panel", role: "dialog", "aria-label": data.title || TEXT.title, hidden: "" });
  var closeButton = el("button", { type: "button", "class": "rz-close", "aria-label": TEXT.close, text: "×" });
  panel.appendChild(el("header", { "class": "rz-header" }, [el("strong", { text: data.title || TEXT.title }), closeButton]));

  var tabs = el("nav", { "class": "rz-tabs", role: "tablist" });
  var views = {};
  ["chat", "problem", "address"].forEach(function (name) {
    var tab = el("button", { type: "button", role: "tab", "data-view": name, text: TEXT[name] });
    tab.addEventListener("click", function () { show(name); });
    tabs.appendChild(tab);
    views[name] = el("div", { "class": "rz-view rz-view-" + name, role: "tabpanel", hidden: "" });
  });
  panel.appendChild(tabs);
  Object.keys(views).forEach(function (name) { panel.appendChild(views[name]); });
  var status = el("p", { "class": "rz-status", role: "status", "aria-live": "polite" });
  panel.appendChild(status);
  root.appendChild(launcher);
  root.appendChild(panel);

  // chat view
  var log = el("ol", { "class": "rz-log", "aria-live": "polite" });
  var hello = el("p", { "class": "rz-hello", text: TEXT.hello });
  var input = el("textarea", { rows: "2", maxlength: "5000", placeholder: TEXT.placeholder, "aria-label": TEXT.placeholder });
  var sendButton = el("button", { type: "submit", "class": "rz-send", text: TEXT.send });
  var chatForm = el("form", { "class": "rz-compose" }, [input, sendButton]);
  var matchList = el("ul", { "class": "rz-matches-list" });
  var matchBox = el("div", { "class": "rz-matches", "aria-live": "polite", hidden: "" }, [
    el("p", { "class": "rz-matches-title", text: TEXT.matches }), matchList
  ]);
  views.chat.appendChild(hello);
  views.chat.appendChild(log);
  views.chat.appendChild(matchBox);
  views.chat.appendChild(chatForm);

  // problem view
  var category = el("select", { name: "category", required: "" });
  Object.keys(TEXT.categories).forEach(function (key) {
    category.appendChild(el("option", { value: key, text: TEXT.categories[key] }));
  });
  var problemForm = el("form", { "class": "rz-form" }, [
    field(TEXT.category, category),
    field(TEXT.description, el("textarea", { name: "description", rows: "4", maxlength: "5000", required: "" })),
    field(TEXT.postal, el("input", { name: "postal_code", inputmode: "numeric", pattern: "[0-9]{5}", maxlength: "5" })),
    el("button", { type: "submit", text: TEXT.submit })
  ]);
  views.problem.appendChild(problemForm);

  // address view
  var addressForm = el("form", { "class": "rz-form" }, [
    field(TEXT.street, el("input", { name: "street", maxlength: "200", required: "", autocomplete: "street-address" })),
    field(TEXT.postalRequired, el("input", { name: "postal_code", inputmode: "numeric", pattern: "[0-9]{5}", maxlength: "5", required: "" })),
    field(TEXT.city, el("input", { name: "city", maxlength: "120", required: "" })),
    field(TEXT.note, el("textarea", { name: "note", rows: "2", maxlength: "1000" })),
    el("button", { type: "submit", text: TEXT.submit })
  ]);
  views.address.appendChild(addressForm);

  // --- state ---------------------------------------------------------------------------------------------
  var conversationId = null;
  var lastId = 0;
  var seen = {};
  var pollTimer = null;
  var pending = {};  // form name -> client_message_id, so a retry after a network error is stored once

  function clientId(form) {
    if (!pending[form]) { pending[form] = "m-" + randomId(12); }
    return pending[form];
  }

  function say(text, isError) {
    status.textContent = text || "";
    status.className = "rz-status" + (isError ? " rz-error" : "");
  }

  function render(message) {
    if (seen[message.id]) { return; }
    seen[message.id] = true;
    lastId = Math.max(lastId, message.id);
    hello.hidden = true;
    var outgoing = message.direction === "out";
    var who = outgoing ? (message.agent ? message.agent.name : TEXT.team) : TEXT.you;
    var meta = el("div", { "class": "rz-meta" });
    if (outgoing && message.agent && /^(https:\/\/|\/(?!\/))/.test(message.agent.photo_url || "")) {
      meta.appendChild(el("img", { "class": "rz-photo", src: message.agent.photo_url, alt: "" }));
    } else if (outgoing && message.agent) {
      meta.appendChild(el("span", { "class": "rz-initials", "aria-hidden": "true", text: message.agent.initials }));
    }
    meta.appendChild(el("span", { text: who }));
    var bubble = el("div", { "class": "rz-text", text: message.text });
    var item = el("li", { "class": "rz-message " + (outgoing ? "rz-out" : "rz-in"), "data-id": String(message.id) }, [meta, bubble]);
    if (message.kind === "address_change" && message.data && message.data.status) {
      item.appendChild(el("div", { "class": "rz-badge", text: TEXT[message.data.status] || message.data.status }));
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function load() {
    if (!conversationId) { return Promise.resolve(); }
    return call("GET", "/conversations/" + conversationId + "/messages?after=" + lastId).then(function (messages) {
      messages.forEach(render);
    }, function (error) {
      if (error.status === 404) { conversationId = null; }
    });
  }

  function poll() {
    clearTimeout(pollTimer);
    if (panel.hidden) { return; }
    pollTimer = setTimeout(function () {
      (document.hidden ? Promise.resolve() : load()).then(poll, poll);
    }, POLL_MS);
  }

  function start() {
    return call("GET", "/conversations").then(function (conversations) {
      var open = conversations.filter(function (c) { return c.status !== "closed"; })[0];
      if (open && open.id !== conversationId) { conversationId = open.id; return load(); }
      return undefined;
    }).catch(function (error) { say(describe(error), true); });
  }

  function accepted(formName, result) {
    delete pending[formName];
    if (result.conversation_id) { conversationId = result.conversation_id; }
    if (result.message) { render(result.message); }
  }

  function show(name) {
    Object.keys(views).forEach(function (key) { views[key].hidden = key !== name; });
    Array.prototype.forEach.call(tabs.children, function (tab) {
      tab.setAttribute("aria-selected", String(tab.getAttribute("data-view") === name));
    });
  }

  function toggle(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) { show("chat"); start().then(poll); input.focus(); } else { clearTimeout(pollTimer); }
  }

  function busy(form, on) {
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = on; });
  }

  // --- events --------------------------------------------------------------------------------------------
  launcher.addEventListener("click", function () { toggle(panel.hidden); });
  closeButton.addEventListener("click", function () { toggle(false); });

  // --- deflection: matching answers while the first question is typed -----------------------------------
  var visit = randomId(16);  // one typing visit: 32 hex digits
  var shownInVisit = false;
  var matchTimer = null;
  var lastQuery = "";

  function publicUrl(path) {
    return /^\/(?!\/)/.test(path || "") ? api + path.slice(1) : null;  // only this installation's pages
  }

  function showMatches(found) {
    matchList.textContent = "";
    found.forEach(function (match) {
      var href = publicUrl(match.url);
      if (!href) { return; }
      var link = el("a", { href: href, target: "_blank", rel: "noopener", "class": "rz-match", text: match.title || match.text });
      link.addEventListener("click", function () {
        call("POST", "/deflection", { visit: visit, event: "opened" }).catch(function () { /* counted best-effort */ });
      });
      var item = el("li", {}, [link]);
      if (match.title && match.text) { item.appendChild(el("span", { "class": "rz-match-text", text: match.text })); }
      matchList.appendChild(item);
    });
    matchBox.hidden = !matchList.children.length;
    if (!matchBox.hidden) { shownInVisit = true; }
  }

  function lookUp() {
    var query = input.value.trim();
    if (conversationId || query.length < 8) { showMatches([]); lastQuery = ""; return; }
    if (query === lastQuery) { return; }
    lastQuery = query;
    call("GET", "/suggestions?visit=" + visit + "&lang=" + lang + "&q=" + encodeURIComponent(query.slice(0, 1000)))
      .then(function (result) { if (input.value.trim() === query) { showMatches(result.suggestions || []); } },
            function () { /* no matches is fine */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(matchTimer);
    matchTimer = setTimeout(lookUp, 600);
  });

  function askedAnyway() {
    if (shownInVisit) { call("POST", "/deflection", { visit: visit, event: "asked" }).catch(function () {}); }
    visit = randomId(16);
    shownInVisit = false;
    lastQuery = "";
    showMatches([]);
  }

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); chatForm.requestSubmit(); }
  });

  chatForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    var body = { client_message_id: clientId("chat"), text: text };
    if (!conversationId && data.userName) { body.name = data.userName; }
    var path = conversationId ? "/conversations/" + conversationId + "/messages" : "/conversations";
    busy(chatForm, true);
    call("POST", path, body).then(function (result) {
      accepted("chat", result);
      askedAnyway();
      input.value = "";
      say("");
    }, function (error) {
      if (error.status === 404 && conversationId) { conversationId = null; }
      say(describe(error), true);
    }).then(function () { busy(chatForm, false); });
  });

  function submitForm(form, formName, path) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = { client_message_id: clientId(formName) };
      Array.prototype.forEach.call(form.elements, function (control) {
        if (control.name) { body[control.name] = control.value.trim(); }
      });
      if (data.userName) { body.name = data.userName; }
      busy(form, true);
      call("POST", path, body).then(function (result) {
        accepted(formName, result);
        form.reset();
        show("chat");
        say(TEXT.sent);
      }, function (error) { say(describe(error), true); }).then(function () { busy(form, false); });
    });
  }
  submitForm(problemForm, "problem", "/problems");
  submitForm(addressForm, "address", "/address-changes");

  document.addEventListener("visibilitychange", function () { if (!document.hidden && !panel.hidden) { load(); } });

  function mount() {
    document.body.appendChild(host);
    if (data.open === "true") { toggle(true); }
  }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
