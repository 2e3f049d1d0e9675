// Pustaka AR back office: nothing typed is thrown away without asking.
// The back office's own script (served as a file: the pages allow no inline
// scripts). Every page works without it; with it:
//
// - A form marked `data-keep` remembers what it held when the page loaded.
// - Leaving the page (a link, reload, closing the tab, the address bar) while
//   such a form holds unsaved typing: the browser asks first (beforeunload).
// - Sending another form of the page (the language switch, a tour stop's
//   arrows, the bottom Publish) while a draft form (`data-keep="draft"`)
//   holds unsaved typing: the draft is saved first with the same request its
//   "Save draft" button sends, then the other form goes. When the draft cannot
//   be saved (a problem in what was typed), the draft form itself is sent, so
//   the page shows the problem next to the typed text.
// - Sending another form while a form that is not a draft (settings, a code)
//   holds unsaved typing: the browser asks, as when leaving.
// - Sending the form itself (Save draft, Publish) sends the typing: no question.
// - A form marked `data-in-page` (the picker dialog's search and choices,
//   see pick.js) is handled by a script on the page and leaves nothing.
(function () {
  "use strict";
  if (!window.FormData || !window.URLSearchParams || !window.fetch) return;
  var kept = Array.prototype.slice.call(document.querySelectorAll("form[data-keep]"));
  if (!kept.length) return;
  var contents = function (form) {
    return new URLSearchParams(new FormData(form)).toString();
  };
  // A form shown again with problems holds typing that was never saved.
  var loaded = kept.map(function (form) {
    return form.hasAttribute("data-unsaved") ? "" : contents(form);
  });
  var unsaved = function () {
    return kept.filter(function (form, i) { return contents(form) !== loaded[i]; });
  };
  var going = false;

  window.addEventListener("beforeunload", function (ev) {
    if (going || !unsaved().length) return;
    ev.preventDefault();
    ev.returnValue = "";
  });
  // Back from the history cache: the page is live again.
  window.addEventListener("pageshow", function () { going = false; });

  // Sends `form` natively (no submit event), with the value of the button
  // that was pressed, since a scripted send would drop it.
  var send = function (form, button) {
    if (button && button.name) {
      var carry = document.createElement("input");
      carry.type = "hidden";
      carry.name = button.name;
      carry.value = button.value;
      form.appendChild(carry);
    }
    if (button && button.getAttribute("formaction")) {
      form.action = button.formAction;
    }
    going = true;
    HTMLFormElement.prototype.submit.call(form);
  };

  // Capture phase: before the upload script or anything else sees the send.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.hasAttribute("data-in-page")) return;
    if (kept.indexOf(form) >= 0) { going = true; return; }
    var drafts = unsaved().filter(function (f) { return f.dataset.keep === "draft"; });
    // Unsaved typing that cannot be saved as a draft: beforeunload asks.
    if (!drafts.length) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    var draft = drafts[0];
    var button = ev.submitter || null;
    fetch(draft.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: contents(draft)
    }).then(function (res) {
      if (res.ok) {
        kept.forEach(function (f, i) { if (f === draft) loaded[i] = contents(f); });
        send(form, button);
      } else {
        send(draft, null);
      }
    }, function () {
      send(draft, null);
    });
  }, true);
})();
