// The Messages editor: chips insert variables at the cursor, and the WhatsApp bubble beside
// the form shows the text (with sample values), the buttons and the header image as typed.
(function () {
  "use strict";
  const form = document.querySelector(".message-editor form");
  if (!form) return;
  const body = form.querySelector("textarea[name=body]");
  const samples = JSON.parse(form.dataset.samples || "{}");
  const text = document.querySelector("[data-preview]");
  const header = document.querySelector(".wa-header");

  function render() {
    text.textContent = body.value.replace(/\{([a-z_]+)\}/g, (whole, name) =>
      name in samples ? samples[name] : whole);
    document.querySelectorAll("[data-preview-buttons] li").forEach((item) => {
      const answer = item.dataset.answer;
      const chosen = form.querySelector(`input[name=button_${answer}]`).checked;
      item.hidden = !chosen;
      item.textContent = form.querySelector(`input[name=title_${answer}]`).value;
    });
  }

  form.querySelectorAll("[data-chip]").forEach((chip) => {
    chip.addEventListener("click", () => {
      const token = `{${chip.dataset.chip}}`;
      const start = body.selectionStart ?? body.value.length;
      const end = body.selectionEnd ?? start;
      body.setRangeText(token, start, end, "end");
      body.focus();
      render();
    });
  });
  form.addEventListener("input", render);

  const file = form.querySelector("input[type=file]");
  file.addEventListener("change", () => {
    const chosen = file.files && file.files[0];
    if (!chosen) return;
    const reader = new FileReader();  // a data: URL, which the page's CSP allows for images
    reader.addEventListener("load", () => {
      header.src = String(reader.result);
      header.hidden = false;
    });
    reader.readAsDataURL(chosen);
  });
  const remove = form.querySelector("input[name=remove_image]");
  if (remove) remove.addEventListener("change", () => { header.hidden = remove.checked; });
  render();
})();
