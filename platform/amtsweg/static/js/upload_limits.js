// Checks the sizes of the files chosen in a form before it is sent, so that a citizen does not wait
// for a large upload only to have it refused. The server renders each file input's limits and the
// messages it would give itself (data-max-bytes, data-request-limit, data-too-large,
// data-request-too-large, data-error-prefix) and stays the authority: without this script the form
// is sent and the server answers with the same message at the field.

const limited = (form) => [...form.querySelectorAll("input[type=file][data-max-bytes]")];

const chosen = (input) => [...(input.files || [])];

// The server's message for this input's chosen files, or "" when they fit.
function problem(input) {
  if (chosen(input).some((file) => file.size > Number(input.dataset.maxBytes))) return input.dataset.tooLarge;
  const total = limited(input.form).flatMap(chosen).reduce((sum, file) => sum + file.size, 0);
  if (chosen(input).length && total > Number(input.dataset.requestLimit)) return input.dataset.requestTooLarge;
  return "";
}

// Shows ``message`` at the field the way the server renders a field's error, or takes it away again.
// An error the server rendered there keeps its element; its text comes back when the files fit.
function show(input, message) {
  const id = `${input.id}-fehler`;
  const wrapper = input.closest(".kern-form-input");
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  let error = document.getElementById(id);
  if (!message) {
    if (error && "fromServer" in error.dataset) {
      error.lastChild.textContent = error.dataset.fromServer;
    } else if (error) {
      error.remove();
      input.setAttribute("aria-describedby", described.filter((part) => part !== id).join(" "));
      input.removeAttribute("aria-invalid");
      wrapper?.classList.remove("kern-form-input--error");
    }
    return;
  }
  if (!error) {
    error = document.createElement("p");
    error.className = "kern-error";
    error.id = id;
    error.dataset.fromBrowser = "";
    const prefix = document.createElement("span");
    prefix.className = "kern-sr-only";
    prefix.textContent = input.dataset.errorPrefix;
    error.append(prefix, document.createTextNode(""));
    const hint = document.getElementById(`${input.id}-hinweis`);
    if (hint && wrapper?.contains(hint)) hint.after(error);
    else input.before(error);
    input.setAttribute("aria-describedby", [...described, id].join(" "));
  } else if (!("fromBrowser" in error.dataset) && !("fromServer" in error.dataset)) {
    error.dataset.fromServer = error.lastChild.textContent;
  }
  error.lastChild.textContent = ` ${message}`;
  input.setAttribute("aria-invalid", "true");
  wrapper?.classList.add("kern-form-input--error");
}

// Checks every limited input of ``form``; returns those whose files do not fit.
function check(form) {
  const refused = [];
  for (const input of limited(form)) {
    const message = problem(input);
    show(input, message);
    if (message) refused.push(input);
  }
  return refused;
}

for (const form of new Set([...document.querySelectorAll("input[type=file][data-max-bytes]")].map((i) => i.form))) {
  if (!form) continue;
  form.addEventListener("change", (event) => {
    if (event.target.matches("input[type=file][data-max-bytes]")) check(form);
  });
  form.addEventListener("submit", (event) => {
    const refused = check(form);
    if (refused.length) {
      event.preventDefault();
      refused[0].focus();
    }
  });
}
