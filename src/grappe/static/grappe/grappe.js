/* Every page: small enhancements; each page works without them.
   - The language list applies itself when changed (its "Changer" button is then hidden by grappe.css).
   - A filters form (data-filters) reloads its results when a list or a box changes: this dispatches the
     "filters-changed" event its hx-trigger waits for. The search box is left out (it has its own trigger, as
     you type), and the test lives here because an hx-trigger filter is code htmx would have to evaluate, which
     the Content-Security-Policy forbids.
   - On a phone the sections' menu is one line that scrolls sideways: the current section is scrolled into view.
   - A table wider than its scroll area (.table-wrap) takes the keyboard focus, so that arrow keys can scroll a
     table whose cells hold no link (WCAG 2.1.1; axe's scrollable-region-focusable).
   - A page link or a column header inside a list's results is replaced with the results it asks for: the
     keyboard focus would fall back to the top of the document, and a keyboard or screen-reader user would
     start again from the menu (WCAG 2.4.3). After a sort it goes to the same column's header, after a page
     link to the start of the new results. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // Delegated from the document: htmx's history restores replace the form, and its listeners with it.
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-filters]");
    if (form && event.target.type !== "search") { form.dispatchEvent(new Event("filters-changed")); }
  });
  function focusableScrollAreas() {
    document.querySelectorAll(".table-wrap").forEach(function (area) {
      if (area.scrollWidth > area.clientWidth + 1) { area.setAttribute("tabindex", "0"); }
      else if (area.getAttribute("tabindex") === "0") { area.removeAttribute("tabindex"); }
    });
  }
  document.addEventListener("htmx:afterSettle", focusableScrollAreas);
  var replacedLink = null;  // the link whose request will replace the results that hold it
  document.addEventListener("htmx:beforeRequest", function (event) {
    var link = event.detail.elt, target = event.detail.target;
    replacedLink = link && target && link.tagName === "A" && target.contains(link)
      ? { target: target, sort: link.getAttribute("data-sort") } : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var replaced = replacedLink;
    if (!replaced || event.detail.target !== replaced.target) { return; }
    replacedLink = null;
    var header = replaced.sort && replaced.target.querySelector("a[data-sort='" + CSS.escape(replaced.sort) + "']");
    if (header) { header.focus(); return; }
    if (!replaced.target.hasAttribute("tabindex")) { replaced.target.setAttribute("tabindex", "-1"); }
    replaced.target.focus();
  });
  window.addEventListener("resize", focusableScrollAreas);
  document.addEventListener("DOMContentLoaded", function () {
    focusableScrollAreas();
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
