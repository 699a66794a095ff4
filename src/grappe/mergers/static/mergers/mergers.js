/* Merger pages: keyboard shortcuts of the review queue and a "working…" notice on long forms.
   Without JavaScript the buttons still post their forms. */
(function () {
  "use strict";

  function typing(target) {
    return target && target.closest && target.closest("input, textarea, select, [contenteditable]");
  }

  // a = accept, r = reject, s = skip: each clicks the visible button that declares the key.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || typing(event.target)) {
      return;
    }
    var button = document.querySelector('[data-shortcut="' + event.key.toLowerCase() + '"]:not([disabled])');
    if (button) {
      event.preventDefault();
      button.click();
    }
  });

  // Planning or applying a merger takes a while: say so and stop a second click.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-busy]")) {
      return;
    }
    if (form.classList.contains("is-busy")) {
      event.preventDefault();
      return;
    }
    form.classList.add("is-busy");
  });
})();
