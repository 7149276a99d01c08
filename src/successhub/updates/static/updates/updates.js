// Filters submit when a choice changes (no inline handlers: the pages keep to a strict CSP).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) select.form.submit();
});
