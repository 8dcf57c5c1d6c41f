// Graphic evidence (templatetags/evidence_media.py): a blurred or grey picture, video or
// recording is revealed by its own "Show" button, one medium at a time, and can be hidden
// again. A blurred video has no controls, and is paused should anything start it, until its
// viewer has chosen to see it.
"use strict";

(function () {
  function players(figure) {
    return figure.querySelectorAll("video, audio");
  }

  function reveal(figure, button) {
    figure.classList.add("graphic-revealed");
    for (const media of players(figure)) media.controls = true;
    button.dataset.labelShow = button.textContent;
    button.textContent = button.dataset.labelHide;
    button.setAttribute("aria-expanded", "true");
  }

  function hide(figure, button) {
    figure.classList.remove("graphic-revealed");
    for (const media of players(figure)) {
      media.pause();
      if (figure.dataset.graphic === "blur") media.controls = false;
    }
    button.textContent = button.dataset.labelShow;
    button.setAttribute("aria-expanded", "false");
  }

  document.addEventListener("click", event => {
    const button = event.target.closest(".graphic-reveal");
    if (!button) return;
    const figure = button.closest(".graphic");
    if (!figure) return;
    if (figure.classList.contains("graphic-revealed")) hide(figure, button);
    else reveal(figure, button);
  });

  // "play" does not bubble: listen while it travels down. Blurred media never plays unseen.
  document.addEventListener("play", event => {
    const figure = event.target.closest && event.target.closest(".graphic-blur");
    if (figure && !figure.classList.contains("graphic-revealed")) event.target.pause();
  }, true);
})();
