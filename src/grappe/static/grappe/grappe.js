/* Every page: small enhancements; each page works without them.
   - The language list applies itself when changed (its "Changer" button is then hidden by grappe.css).
   - On a phone the sections' menu is one line that scrolls sideways: the current section is scrolled into view. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var language = document.getElementById("language");
    if (language && language.form) {
      language.addEventListener("change", function () { language.form.submit(); });
    }
    var current = document.querySelector(".main-nav [aria-current=page]");
    var menu = current && current.closest("ul");
    if (menu && menu.scrollWidth > menu.clientWidth) {
      menu.scrollLeft = current.offsetLeft - (menu.clientWidth - current.offsetWidth) / 2;
    }
  });
})();
