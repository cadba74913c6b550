// What every console page does with script on: a request's loading and error states, said in
// words in the live region of the element that asked (data-status), not only by a spinner.

function statusOf(element) {
  const id = element?.closest?.("[data-status]")?.getAttribute("data-status");
  return id ? document.getElementById(id) : null;
}

function say(element, key) {
  const region = statusOf(element);
  if (!region) return;
  const text = region.getAttribute(`data-${key}`) || "";
  region.textContent = text;
  region.dataset.state = key;
}

export function initShell(root) {
  if (root !== document) return;
  document.documentElement.classList.add("js");
  document.addEventListener("htmx:beforeRequest", (e) => say(e.detail.elt, "loading"));
  document.addEventListener("htmx:afterRequest", (e) => {
    if (e.detail.successful) say(e.detail.elt, "done");
  });
  // htmx 2 does not swap error answers into the page (htmx 4 would); say what to do instead.
  document.addEventListener("htmx:responseError", (e) => say(e.detail.elt, "error"));
  document.addEventListener("htmx:sendError", (e) => say(e.detail.elt, "offline"));
  document.addEventListener("htmx:timeout", (e) => say(e.detail.elt, "offline"));
}
