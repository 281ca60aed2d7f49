// The agent's listing form in the admin (listings/admin.py): a progress bar per photo while
// the form uploads, and the typed fields kept in this browser as a draft until the server
// confirms the save. First-party and external: the Content-Security-Policy allows only self.
(function () {
  "use strict";

  var DRAFT_PREFIX = "walkup:listing-draft:";
  var SKIPPED = /^(csrfmiddlewaretoken|photos-|add_photos$|_save|_continue|_addanother)/;

  function text(name, fallback) {
    var holder = document.querySelector("input[type=file][data-photo-progress]");
    return (holder && holder.dataset[name]) || fallback;
  }

  function draftKey() {
    var user = document.querySelector("#user-tools strong");
    return DRAFT_PREFIX + (user ? user.textContent.trim() : "") + ":" + location.pathname;
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && !SKIPPED.test(field.name) && field.type !== "file" &&
        field.type !== "submit" && field.type !== "hidden";
    });
  }

  function saveDraft(form) {
    var values = {};
    fields(form).forEach(function (field) {
      values[field.name] = field.type === "checkbox" ? field.checked : field.value;
    });
    try { localStorage.setItem(draftKey(), JSON.stringify(values)); } catch (e) { /* full or off */ }
  }

  function restoreDraft(form) {
    var stored;
    try { stored = JSON.parse(localStorage.getItem(draftKey()) || "null"); } catch (e) { stored = null; }
    if (!stored) { return; }
    fields(form).forEach(function (field) {
      if (!(field.name in stored)) { return; }
      if (field.type === "checkbox") { field.checked = !!stored[field.name]; }
      else { field.value = stored[field.name]; }
    });
    var note = document.createElement("p");
    note.className = "wb-draft-note";
    note.setAttribute("role", "status");
    note.textContent = text("draftRestored", "Your draft is back. Photos are not kept in a draft: add them again.");
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button";
    discard.textContent = text("discardDraft", "Discard the draft");
    discard.addEventListener("click", function () {
      localStorage.removeItem(draftKey());
      location.reload();
    });
    note.appendChild(discard);
    form.parentNode.insertBefore(note, form);
  }

  function clearDraftsAfterSave() {
    // Back on a listing page with the admin's "saved" message: the server has the listing.
    if (!document.querySelector(".messagelist .success")) { return; }
    var user = document.querySelector("#user-tools strong");
    var prefix = DRAFT_PREFIX + (user ? user.textContent.trim() : "") + ":";
    Object.keys(localStorage).forEach(function (key) {
      if (key.indexOf(prefix) === 0 && /\/add\/$/.test(key)) { localStorage.removeItem(key); }
    });
  }

  function photoList(input) {
    var list = document.createElement("ul");
    list.className = "wb-photo-list";
    list.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", list);
    input.addEventListener("change", function () {
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var item = document.createElement("li");
        var name = document.createElement("span");
        name.className = "wb-name";
        name.textContent = file.name + " · " + Math.round(file.size / 1024) + " KB";
        var bar = document.createElement("progress");
        bar.max = 100;
        bar.value = 0;
        bar.setAttribute("aria-label", file.name);
        item.appendChild(name);
        item.appendChild(bar);
        list.appendChild(item);
      });
    });
    return list;
  }

  function uploadWithProgress(form, input, list, submitter) {
    var files = Array.prototype.slice.call(input.files);
    var sizes = files.map(function (file) { return file.size; });
    var photoBytes = sizes.reduce(function (a, b) { return a + b; }, 0);
    var bars = list.querySelectorAll("progress");
    var data = submitter ? new FormData(form, submitter) : new FormData(form);
    var request = new XMLHttpRequest();
    request.open("POST", form.action || location.href);
    request.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) { return; }
      // The photos are nearly all of the body: spread what was sent over them in order.
      var sent = event.loaded * photoBytes / event.total;
      sizes.forEach(function (size, index) {
        var before = sizes.slice(0, index).reduce(function (a, b) { return a + b; }, 0);
        var done = Math.max(0, Math.min(1, (sent - before) / (size || 1)));
        if (bars[index]) { bars[index].value = Math.round(done * 100); }
      });
    });
    request.addEventListener("load", function () {
      // Saved: the request followed the admin's redirect, and its page carries the "saved"
      // message (shown once), so show that page here rather than loading it again.
      var landed = request.responseURL;
      document.open();
      document.write(request.responseText);
      document.close();
      if (landed && landed !== location.href) { history.replaceState(null, "", landed); }
    });
    request.addEventListener("error", function () {
      form.dataset.uploading = "";
      var note = document.createElement("p");
      note.className = "errornote";
      note.setAttribute("role", "alert");
      note.textContent = text("uploadFailed", "The upload stopped: check the connection and save again. Nothing you typed is lost.");
      form.parentNode.insertBefore(note, form);
    });
    form.dataset.uploading = "1";
    request.send(data);
  }

  document.addEventListener("DOMContentLoaded", function () {
    clearDraftsAfterSave();
    var input = document.querySelector("input[type=file][data-photo-progress]");
    if (!input) { return; }
    var form = input.form;
    var list = photoList(input);
    var isAddPage = /\/add\/$/.test(location.pathname);
    if (isAddPage && !location.search && !document.querySelector(".errornote")) {
      restoreDraft(form);
    }
    if (isAddPage) {
      form.addEventListener("input", function () { saveDraft(form); });
      form.addEventListener("change", function () { saveDraft(form); });
    }
    form.addEventListener("submit", function (event) {
      if (!input.files.length || !window.FormData || form.dataset.uploading) { return; }
      event.preventDefault();
      uploadWithProgress(form, input, list, event.submitter);
    });
  });
})();
