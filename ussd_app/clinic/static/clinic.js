/* Every dashboard page: behaviour that used to sit in inline handlers (the page's Content
   Security Policy runs scripts from this folder only). A select marked data-autosubmit sends
   its form when changed; the form's button still works without scripts. */
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
