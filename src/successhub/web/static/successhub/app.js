// Small behaviours that would otherwise be inline handlers (the Content-Security-Policy forbids those):
//   <select data-autosubmit>      submits its form when changed
//   <form data-confirm="...">     asks before submitting
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("[data-autosubmit]") && target.form) {
    target.form.submit();
  }
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);
