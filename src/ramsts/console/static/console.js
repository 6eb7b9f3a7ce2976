// The console's only script. Every page works without it; it adds copy buttons, the Authorize
// dialog's transfer lists, and the policy editor's check as you type (and its one-click fixes).
"use strict";

function copyText(button) {
  const source = document.getElementById(button.dataset.copy);
  const text = source ? source.textContent.trim() : "";
  const done = () => {
    const label = button.textContent;
    button.textContent = "Copied";
    button.setAttribute("aria-live", "polite");
    setTimeout(() => { button.textContent = label; }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => fallbackCopy(source, done));
  } else {
    fallbackCopy(source, done);
  }
}

function fallbackCopy(source, done) {
  // Plain-HTTP consoles have no clipboard API: select the text so the copy command takes it.
  const range = document.createRange();
  range.selectNodeContents(source);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  try { document.execCommand("copy"); } catch (e) { /* the text stays selected for Ctrl+C */ }
  done();
}

function setUpDialogs() {
  document.querySelectorAll("[data-dialog-open]").forEach((opener) => {
    opener.addEventListener("click", (event) => {
      const dialog = document.getElementById(opener.dataset.dialogOpen);
      if (!dialog || !dialog.showModal) { return; }
      event.preventDefault();
      dialog.showModal();
      const first = dialog.querySelector("[data-transfer-filter], select, button");
      if (first) { first.focus(); }
    });
  });
  document.querySelectorAll("dialog[open]").forEach((dialog) => {
    // Opened by the server (?authorize=1): reopen as a modal so focus stays inside it.
    if (dialog.showModal) { dialog.close(); dialog.showModal(); }
  });
  document.querySelectorAll("[data-dialog-close]").forEach((button) => {
    button.addEventListener("click", () => button.closest("dialog").close());
  });
}

function setUpTransfer(root) {
  const available = root.querySelector("[data-transfer-available]");
  const selected = root.querySelector("[data-transfer-selected]");
  const count = root.querySelector("[data-transfer-count]");
  const filter = root.querySelector("[data-transfer-filter]");
  const sortedInsert = (list, option) => {
    const after = Array.from(list.options).find((o) => o.text.localeCompare(option.text) > 0);
    list.insertBefore(option, after || null);
  };
  const move = (from, to) => {
    Array.from(from.selectedOptions).forEach((option) => {
      option.selected = false;
      option.hidden = false;
      sortedInsert(to, option);
    });
    count.textContent = selected.options.length + " selected";
    applyFilter();
  };
  const applyFilter = () => {
    const needle = (filter.value || "").toLowerCase();
    Array.from(available.options).forEach((o) => { o.hidden = !o.text.toLowerCase().includes(needle); });
  };
  root.querySelector("[data-transfer-add]").addEventListener("click", () => move(available, selected));
  root.querySelector("[data-transfer-remove]").addEventListener("click", () => move(selected, available));
  available.addEventListener("dblclick", () => move(available, selected));
  selected.addEventListener("dblclick", () => move(selected, available));
  available.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); move(available, selected); } });
  selected.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === "Delete") { e.preventDefault(); move(selected, available); } });
  filter.addEventListener("input", applyFilter);
  root.querySelector("[data-transfer-form]").addEventListener("submit", () => {
    Array.from(selected.options).forEach((o) => { o.selected = true; });
  });
  // A filter typed before this ran, or restored by the browser on Back, applies at once.
  applyFilter();
}

function setUpEditor(root) {
  const textarea = root.querySelector("textarea");
  const status = root.querySelector("[data-editor-status]");
  const excerpt = root.querySelector("[data-editor-excerpt]");
  const goto = root.querySelector("[data-editor-goto]");
  const fixes = root.querySelector("[data-editor-fixes]");
  let fix = root.querySelector("[data-editor-fix]");
  if (!fix) {
    // Live advice gets its own button; a submit button here would be the form's default one.
    fix = document.createElement("button");
    fix.type = "button";
    fix.className = "button small";
    fix.dataset.editorFix = "";
    fix.textContent = "Use sts:AssumeRole";
    fixes.prepend(fix);
  }
  let timer = null;
  let span = null;
  let warnings = [];
  let sequence = 0;
  // A page answering a submitted form shows the server's verdict on this very text; the first
  // check agrees with it, so it is kept rather than shown a second time.
  let keepServerVerdict = root.hasAttribute("data-server-verdict");
  if (keepServerVerdict && root.dataset.span) {
    span = root.dataset.span.split(",").map(Number);
    goto.hidden = false;
  }

  const showWarnings = (found) => {
    found.forEach((warning) => {
      const line = document.createElement("p");
      line.className = "warning";
      line.dataset.warning = warning.code;
      line.textContent = "\u26a0 " + warning.message;
      status.append(line);
    });
  };

  const show = (verdict) => {
    status.replaceChildren();
    excerpt.replaceChildren();
    root.dataset.verdict = verdict.valid ? "valid" : "invalid";
    textarea.setAttribute("aria-invalid", verdict.valid ? "false" : "true");
    warnings = verdict.warnings || [];
    fixes.hidden = !warnings.some((w) => w.fix !== undefined);
    if (verdict.valid) {
      if (warnings.length) {
        showWarnings(warnings);
      } else {
        const ok = document.createElement("span");
        ok.className = "valid";
        ok.textContent = "\u2713 The policy is valid.";
        status.append(ok);
      }
      excerpt.hidden = true; goto.hidden = true; span = null;
      return;
    }
    const code = document.createElement("strong");
    code.textContent = verdict.code;
    const message = document.createElement("span");
    message.textContent = " " + verdict.message;
    status.append(code, message);
    // A JSON syntax error has no pointer, and its message already gives line and column.
    if (verdict.pointer) {
      const where = document.createElement("span");
      where.className = "pointer";
      where.dataset.pointer = verdict.pointer;
      // The engine's message usually names the pointer already; then only the place is added.
      const named = verdict.pointer && verdict.message.includes(verdict.pointer);
      const place = verdict.line ? "line " + verdict.line + ", column " + verdict.column : "";
      const parts = [named ? "" : "At " + verdict.pointer, place];
      where.textContent = " " + parts.filter(Boolean).join(", ") + (parts.some(Boolean) ? "." : "");
      if (named && place) { where.textContent = " (" + place + ")"; }
      status.append(where);
    }
    if (verdict.start !== undefined) {
      span = [verdict.start, verdict.end];
      const text = textarea.value;
      const mark = document.createElement("mark");
      mark.textContent = text.slice(verdict.start, Math.max(verdict.end, verdict.start + 1)).slice(0, 200) || " ";
      excerpt.append(text.slice(Math.max(0, verdict.start - 40), verdict.start), mark,
        text.slice(verdict.end, verdict.end + 40));
      excerpt.hidden = false; goto.hidden = false;
    } else {
      excerpt.hidden = true; goto.hidden = true; span = null;
    }
  };

  const check = () => {
    const mine = ++sequence;
    fetch(root.dataset.checkUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": root.dataset.csrf },
      body: JSON.stringify({ document: textarea.value, kind: root.dataset.policyKind }),
    }).then((r) => r.json()).then((verdict) => {
      if (mine !== sequence || verdict.valid === undefined) { return; }
      if (keepServerVerdict) {
        keepServerVerdict = false;
        warnings = verdict.warnings || [];
        return;
      }
      show(verdict);
    }).catch(() => { /* offline: the server checks again on submit */ });
  };

  textarea.addEventListener("input", () => {
    keepServerVerdict = false;
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  });
  textarea.addEventListener("keydown", (e) => {
    // Tab indents inside the editor; Escape then Tab leaves it, so focus is never trapped.
    if (e.key === "Tab" && !e.shiftKey && !root.dataset.tabOut) {
      e.preventDefault();
      textarea.setRangeText("  ", textarea.selectionStart, textarea.selectionEnd, "end");
      textarea.dispatchEvent(new Event("input"));
    } else if (e.key === "Escape") {
      root.dataset.tabOut = "1";
    }
  });
  textarea.addEventListener("blur", () => { delete root.dataset.tabOut; });
  goto.addEventListener("click", () => {
    if (!span) { return; }
    textarea.focus();
    textarea.setSelectionRange(span[0], Math.max(span[1], span[0] + 1));
  });
  fix.addEventListener("click", (event) => {
    // Without the check's answer the button submits, and the server writes the fix.
    const fixable = warnings.filter((w) => w.fix !== undefined);
    if (!fixable.length) { return; }
    event.preventDefault();
    fixable.sort((a, b) => b.start - a.start).forEach((w) => {
      textarea.setRangeText(w.fix, w.start, w.end, "preserve");
    });
    textarea.focus();
    textarea.dispatchEvent(new Event("input"));
  });
  check();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-copy]").forEach((b) => b.addEventListener("click", () => copyText(b)));
  document.querySelectorAll("[data-transfer]").forEach(setUpTransfer);
  document.querySelectorAll("[data-policy-editor]").forEach(setUpEditor);
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (e) => { if (!window.confirm(form.dataset.confirm)) { e.preventDefault(); } });
  });
  document.querySelectorAll("[data-reveal]").forEach((box) => {
    const target = document.getElementById(box.dataset.reveal);
    const sync = () => { target.hidden = !box.checked; };
    box.addEventListener("change", sync);
    sync();
  });
  setUpDialogs();
  const problem = document.querySelector(".problem[tabindex], .advice[tabindex]");
  if (problem) { problem.focus(); }
});
