// Autocomplete for record forms and filters. An input with data-lookup="<url>" asks that URL
// (?q=<what was typed>) for {"results": [{value, label, other}]} and offers the results in a
// list below it; choosing one puts its value (a place code, a term code, a reference like
// P-12) in the input and shows its label beside it. Without JavaScript the input still takes
// a name or a reference typed by hand: the server resolves it the same way.
(function () {
  "use strict";

  function setup(input) {
    const list = document.createElement("ul");
    list.className = "ac-list";
    list.id = input.id + "-options";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    input.insertAdjacentElement("afterend", list);
    const picked = input.parentNode.querySelector(".ac-picked");
    let results = [];
    let active = -1;
    let timer = null;
    let sequence = 0;

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function choose(index) {
      const result = results[index];
      if (!result) return;
      input.value = result.value;
      if (picked) picked.textContent = result.other ? result.label + " · " + result.other : result.label;
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function highlight(index) {
      const options = list.querySelectorAll("[role=option]");
      options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
      active = index;
      if (options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      }
    }

    function show() {
      list.replaceChildren();
      results.forEach((result, index) => {
        const option = document.createElement("li");
        option.id = list.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.value = result.value;
        const label = document.createElement("span");
        label.className = "ac-label";
        label.textContent = result.label;
        option.appendChild(label);
        if (result.other) {
          const other = document.createElement("span");
          other.className = "ac-other";
          other.textContent = result.other;
          option.appendChild(other);
        }
        const value = document.createElement("span");
        value.className = "ac-value";
        value.textContent = result.value;
        option.appendChild(value);
        // mousedown, not click: the input's blur would close the list first.
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          choose(index);
        });
        list.appendChild(option);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", String(!list.hidden));
      active = -1;
    }

    async function search() {
      const text = input.value.trim();
      const mine = ++sequence;
      if (!text) {
        results = [];
        show();
        return;
      }
      const url = new URL(input.dataset.lookup, window.location.href);
      url.searchParams.set("q", text);
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!response.ok || mine !== sequence) return;
        const body = await response.json();
        if (mine !== sequence) return; // a later keystroke already asked again
        results = body.results || [];
        show();
      } catch (error) {
        results = [];
        show();
      }
    }

    input.addEventListener("input", () => {
      if (picked) picked.textContent = "";
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    input.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(Math.min(active + 1, results.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
  }

  document.querySelectorAll("input[data-lookup]").forEach(setup);
})();
