// Passage selection in a text derivative (the item page's extracted text, OCR, transcript).
// Selecting text inside <pre data-passage-file> turns every action link that takes a passage
// (a[data-takes-passage], core/page_actions.py) into one for that passage:
// "c<file>:<start>-<end>", the derivative file's id and character offsets from the start of its
// text in Unicode code points (as Python counts them, not UTF-16 units). A copy of those links is
// shown right under the text. Without this script the links still work: the form they open
// has a plain passage field.
"use strict";

(function () {
  let timer = null;

  function codePoints(text) {
    return Array.from(text).length;
  }

  function selectedPassage() {
    const selection = document.getSelection();
    if (!selection || !selection.rangeCount || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    let node = range.commonAncestorContainer;
    if (node.nodeType !== Node.ELEMENT_NODE) node = node.parentElement;
    const pre = node && node.closest("pre[data-passage-file]");
    if (!pre) return null;
    const before = document.createRange();
    before.selectNodeContents(pre);
    before.setEnd(range.startContainer, range.startOffset);
    const start = codePoints(before.toString());
    const end = start + codePoints(range.toString());
    return end > start ? { pre, start, end } : null;
  }

  function linkFor(link, passage) {
    if (!link.dataset.baseHref) link.dataset.baseHref = link.getAttribute("href");
    const url = new URL(link.dataset.baseHref, window.location.href);
    const file = passage.pre.dataset.passageFile;
    url.searchParams.set("passage", `c${file}:${passage.start}-${passage.end}`);
    return url.pathname + url.search;
  }

  function showUnder(passage, links) {
    const id = `passage-pick-${passage.pre.dataset.passageFile}`;
    let box = document.getElementById(id);
    if (!box) {
      box = document.createElement("div");
      box.id = id;
      box.className = "passage-pick";
      box.setAttribute("role", "status");
      passage.pre.insertAdjacentElement("afterend", box);
    }
    box.replaceChildren();
    const note = document.createElement("p");
    note.textContent = (passage.pre.dataset.passageSelected || "%(start)s–%(end)s")
      .replace("%(start)s", passage.start)
      .replace("%(end)s", passage.end);
    box.append(note);
    for (const link of links) {
      const copy = document.createElement("a");
      copy.className = "button";
      copy.href = link.getAttribute("href");
      copy.textContent = link.dataset.passageLabel || link.textContent;
      box.append(copy);
    }
  }

  function update() {
    // Only a new selection inside a text changes the links: clicking a link collapses the
    // selection first, and the passage chosen must survive that click.
    const passage = selectedPassage();
    if (!passage) return;
    const links = Array.from(document.querySelectorAll("a[data-takes-passage]"));
    if (!links.length) return;
    for (const link of links) link.setAttribute("href", linkFor(link, passage));
    showUnder(passage, links);
  }

  document.addEventListener("selectionchange", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 150);
  });
})();
