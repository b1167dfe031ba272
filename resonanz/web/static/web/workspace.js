// The agent workspace's behaviours (issue 13), from a file: the Content Security Policy allows no inline
// scripts. The composer's draft survives a reload, macros and @mentions are inserted, the X preview is
// refreshed, and the keyboard shortcuts of the inbox and the conversation page.
(function () {
  "use strict";

  // --- the composer's draft: kept in localStorage per conversation until it is sent -------------------
  var pendingDraft = null;

  function store() {
    try {
      return window.localStorage;
    } catch (error) {
      return null;
    }
  }

  function restoreDrafts(root) {
    var storage = store();
    if (!storage || !root.querySelectorAll) {
      return;
    }
    root.querySelectorAll("textarea[data-draft-key]").forEach(function (area) {
      var saved = storage.getItem(area.dataset.draftKey);
      if (saved && !area.value) {
        area.value = saved;
        area.dispatchEvent(new Event("recount", { bubbles: true }));
        if (window.htmx) {
          window.htmx.trigger(area, "recount");
        }
      }
    });
  }

  document.addEventListener("input", function (event) {
    var area = event.target;
    var storage = store();
    if (storage && area instanceof HTMLTextAreaElement && area.dataset.draftKey) {
      if (area.value) {
        storage.setItem(area.dataset.draftKey, area.value);
      } else {
        storage.removeItem(area.dataset.draftKey);
      }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    restoreDrafts(document);
  });

  // --- @mentions and macros ------------------------------------------------------------------------
  function insertAt(area, text) {
    var start = area.selectionStart || area.value.length;
    var end = area.selectionEnd || area.value.length;
    var before = area.value.slice(0, start);
    var glue = before && !/\s$/.test(before) ? " " : "";
    area.value = before + glue + text + area.value.slice(end);
    var caret = (before + glue + text).length;
    area.focus();
    area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) {
      return;
    }
    var mention = target.closest("[data-mention]");
    if (mention) {
      var note = document.getElementById("note-text");
      if (note) {
        insertAt(note, "@" + mention.getAttribute("data-mention") + " ");
      }
      return;
    }
    var macro = target.closest("[data-macro-url]");
    if (macro) {
      event.preventDefault();
      fetch(macro.getAttribute("data-macro-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (filled) {
          var reply = document.getElementById("reply-text");
          if (reply) {
            insertAt(reply, filled.text);
            var picker = macro.closest("details");
            if (picker) {
              picker.open = false;
            }
          }
        })
        .catch(function () {
          var errors = document.getElementById("errors");
          if (errors) {
            var paragraph = document.createElement("p");
            paragraph.className = "error";
            paragraph.textContent = errors.dataset.serverError;
            errors.replaceChildren(paragraph);
          }
        });
    }
  });

  // Enter in the macro search searches; it does not send the reply around it.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target instanceof HTMLInputElement && event.target.id === "macro-search") {
      event.preventDefault();
    }
  });

  // The public/private switch changes the preview (the signature goes only on public replies).
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box instanceof HTMLInputElement && box.name === "private" && box.form && box.form.matches("[data-composer]")) {
      var area = box.form.querySelector("textarea[data-draft-key]");
      if (area && window.htmx) {
        window.htmx.trigger(area, "recount");
      }
    }
  });

  // --- keyboard shortcuts --------------------------------------------------------------------------
  function typing(event) {
    var el = event.target;
    return el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement ||
      (el instanceof HTMLElement && el.isContentEditable);
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-conversation]"));
  }

  function currentRow(list) {
    var index = list.findIndex(function (row) { return row.classList.contains("kbd-current"); });
    return index;
  }

  function move(step) {
    var list = rows();
    if (!list.length) {
      return;
    }
    var index = currentRow(list);
    if (index >= 0) {
      list[index].classList.remove("kbd-current");
    }
    var next = Math.min(Math.max(index + step, 0), list.length - 1);
    if (index < 0) {
      next = 0;
    }
    list[next].classList.add("kbd-current");
    list[next].scrollIntoView({ block: "nearest" });
    var link = list[next].querySelector("a[href]");
    if (link) {
      link.focus({ preventScroll: true });
    }
  }

  function focusField(id) {
    var field = document.getElementById(id);
    if (field) {
      field.focus();
      field.scrollIntoView({ block: "center" });
      return true;
    }
    return false;
  }

  function toggleHelp() {
    var help = document.getElementById("shortcut-help");
    if (help instanceof HTMLDialogElement) {
      if (help.open) {
        help.close();
      } else {
        help.showModal();
      }
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) {
      return;
    }
    var list;
    var index;
    switch (event.key) {
      case "j":
        move(1);
        break;
      case "k":
        move(-1);
        break;
      case "o":
      case "Enter":
        list = rows();
        index = currentRow(list);
        if (index < 0) {
          return;
        }
        var link = list[index].querySelector("a[href]");
        if (link) {
          window.location.href = link.getAttribute("href");
        }
        break;
      case "r":
        if (!focusField("reply-text")) {
          return;
        }
        break;
      case "n":
        if (!focusField("note-text")) {
          return;
        }
        break;
      case "a":
        if (!focusField("transfer-to")) {
          return;
        }
        break;
      case "e":
        var status = document.getElementById("status");
        if (!(status instanceof HTMLSelectElement) || !status.form) {
          return;
        }
        status.value = "closed";
        status.form.requestSubmit();
        break;
      case "/":
        if (!focusField("q")) {
          return;
        }
        break;
      case "?":
        toggleHelp();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  // --- bulk selection in the inbox -----------------------------------------------------------------
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box instanceof HTMLInputElement && box.matches("[data-select-all]")) {
      document.querySelectorAll("input[data-select-row]").forEach(function (row) {
        row.checked = box.checked;
      });
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target instanceof Element && event.target.closest("[data-shortcut-help]")) {
      toggleHelp();
    }
  });

  if (!window.htmx) {
    return;
  }

  // The inbox refreshes itself: the agent's selection and keyboard position survive the new rows.
  var kept = null;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "results") {
      var current = document.querySelector("[data-conversation].kbd-current");
      kept = {
        checked: Array.prototype.map.call(document.querySelectorAll("input[data-select-row]:checked"), function (box) {
          return box.value;
        }),
        current: current ? current.getAttribute("data-conversation") : null,
      };
    }
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!kept || !target || target.id !== "results") {
      return;
    }
    kept.checked.forEach(function (value) {
      var box = document.querySelector('input[data-select-row][value="' + value + '"]');
      if (box) {
        box.checked = true;
      }
    });
    if (kept.current) {
      var row = document.querySelector('[data-conversation="' + kept.current + '"]');
      if (row) {
        row.classList.add("kbd-current");
      }
    }
    kept = null;
  });

  // The live inbox (views/inbox.py: inbox_updates): rows newer than the newest shown arrive on top of
  // #inbox-rows; nothing else in the table is replaced, so ticked boxes stay ticked. A conversation already
  // shown comes back with its new message: its older row goes, its tick and keyboard mark move to the new
  // one. When the agent has scrolled down, the row at the top of the window stays where it was.
  var liveAnchor = null;
  function firstVisibleRow(body) {
    var rows = body.querySelectorAll("tr[data-conversation]");
    for (var i = 0; i < rows.length; i += 1) {
      if (rows[i].getBoundingClientRect().bottom > 0) {
        return rows[i];
      }
    }
    return null;
  }
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var body = event.detail.target;
    if (body && body.id === "inbox-rows" && window.scrollY > 0) {
      var row = firstVisibleRow(body);
      liveAnchor = row ? { row: row, top: row.getBoundingClientRect().top } : null;
    }
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var body = event.detail.target;
    if (!body || body.id !== "inbox-rows") {
      return;
    }
    var seen = {};
    Array.prototype.forEach.call(body.querySelectorAll("tr[data-conversation]"), function (row) {
      var id = row.getAttribute("data-conversation");
      var newer = seen[id];
      if (!newer) {
        seen[id] = row;
        return;
      }
      var oldBox = row.querySelector("input[data-select-row]");
      var newBox = newer.querySelector("input[data-select-row]");
      if (oldBox && newBox && oldBox.checked) {
        newBox.checked = true;
      }
      if (row.classList.contains("kbd-current")) {
        newer.classList.add("kbd-current");
      }
      if (liveAnchor && liveAnchor.row === row) {
        liveAnchor = null;
      }
      row.remove();
    });
    var empty = body.querySelector("tr[data-empty-row]");
    if (empty && body.querySelector("tr[data-conversation]")) {
      empty.remove();
    }
    if (liveAnchor) {
      window.scrollBy(0, liveAnchor.row.getBoundingClientRect().top - liveAnchor.top);
    }
    liveAnchor = null;
  });

  window.htmx.onLoad(function (element) {
    restoreDrafts(element);
  });

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (form instanceof HTMLFormElement && form.matches("[data-composer]")) {
      var area = form.querySelector("textarea[data-draft-key]");
      var storage = store();
      if (area && storage) {
        pendingDraft = { key: area.dataset.draftKey, text: area.value };
        storage.removeItem(area.dataset.draftKey);
      }
    }
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!(form instanceof HTMLFormElement) || !form.matches("[data-composer]") || !pendingDraft) {
      return;
    }
    var storage = store();
    if (!event.detail.successful && storage) {
      // Not sent: the draft stays, in storage and in the composer the answer put back.
      storage.setItem(pendingDraft.key, pendingDraft.text);
      restoreDrafts(document);
    }
    pendingDraft = null;
  });
})();
