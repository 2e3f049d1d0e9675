// Pustaka AR back office: the media picker in a dialog.
// Served as a file (the pages allow no inline scripts). Without it, a media
// field's "Choose ..." button saves the typing as the draft and opens the
// picker page, which returns to the form. With it, the same button opens the
// picker page's list (`#pick`) in a dialog on the edit page; choosing a
// picture only fills the field and its preview (saved with the draft like any
// typing), searching reloads the list in the dialog. The upload form goes
// as a page (the typing is saved as the draft first, see keep.js) and
// returns to the form with the upload chosen; a failed load falls back to
// the picker page.
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser || !window.HTMLDialogElement) return;
  var dialog = null;

  var close = function () { if (dialog) dialog.close(); };

  var ensureDialog = function () {
    if (dialog) return dialog;
    dialog = document.createElement("dialog");
    dialog.className = "picker";
    document.body.appendChild(dialog);
    dialog.addEventListener("click", function (ev) { if (ev.target === dialog) close(); });
    return dialog;
  };

  // Shows the picker page at `url` in the dialog for `fieldset`; calls
  // `fallback` when it cannot.
  var show = function (url, fieldset, fallback) {
    fetch(url, { credentials: "same-origin" }).then(function (res) {
      if (!res.ok) throw new Error(res.status);
      return res.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var list = doc.getElementById("pick");
      var heading = doc.querySelector("main h1");
      if (!list) throw new Error("no list");
      var d = ensureDialog();
      d.textContent = "";
      var h = document.createElement("h2");
      h.textContent = heading ? heading.textContent : "";
      h.id = "picker-heading";
      d.setAttribute("aria-labelledby", "picker-heading");
      d.appendChild(h);
      d.appendChild(document.importNode(list, true));
      var shut = document.createElement("button");
      shut.type = "button";
      shut.className = "secondary";
      shut.textContent = fieldset.getAttribute("data-close") || "×";
      shut.addEventListener("click", close);
      d.appendChild(shut);
      wire(d, fieldset, fallback);
      if (!d.open) d.showModal();
      var first = d.querySelector("input[type=search]");
      if (first) first.focus();
    }).catch(fallback);
  };

  // Choosing fills the field; searching reloads the dialog.
  var wire = function (d, fieldset, fallback) {
    d.querySelectorAll("form").forEach(function (form) {
      // The upload goes as a page (keep.js saves the typing first).
      if (form.enctype === "multipart/form-data") return;
      form.setAttribute("data-in-page", "");
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        if (form.method.toLowerCase() === "get") {
          var q = new URLSearchParams(new FormData(form)).toString();
          show(form.action + "?" + q, fieldset, fallback);
          return;
        }
        var sha = form.querySelector("input[name=sha256]");
        var button = form.querySelector("button");
        var input = fieldset.querySelector("input[type=hidden]");
        input.value = sha ? sha.value : "";
        var picked = fieldset.querySelector(".picked");
        picked.textContent = "";
        var thumb = button.getAttribute("data-thumb");
        if (thumb) {
          var img = document.createElement("img");
          img.className = "thumb";
          img.src = thumb;
          img.alt = "";
          picked.appendChild(img);
        }
        var name = document.createElement("span");
        name.className = "pick-name";
        name.textContent = button.getAttribute("data-name") ||
          fieldset.getAttribute("data-nothing") || "";
        picked.appendChild(name);
        close();
        var opener = fieldset.querySelector("button[name=_pick]");
        if (opener) opener.focus();
      });
    });
  };

  document.querySelectorAll("fieldset[data-pick]").forEach(function (fieldset) {
    var button = fieldset.querySelector("button[name=_pick]");
    var form = button && button.form;
    if (!form) return;
    button.addEventListener("click", function (ev) {
      ev.preventDefault();
      var url = "/admin/pick?back=" + encodeURIComponent(form.getAttribute("action")) +
        "&field=" + encodeURIComponent(fieldset.getAttribute("data-pick"));
      show(url, fieldset, function () { form.requestSubmit(button); });
    });
  });
})();
