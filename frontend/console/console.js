// The console's one script (bundled by build.mjs with esbuild): htmx 2 for partial updates and
// Chart.js 4 for the dashboard's charts. The pages work without it; every chart's numbers are
// also an HTML table. No inline script anywhere (CSP script-src 'self').
import htmx from "htmx.org";
import { initCharts } from "./charts.js";
import { initShell } from "./shell.js";

window.htmx = htmx;

function ready() {
  initShell(document);
  initCharts(document);
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", ready);
} else {
  ready();
}
// Fragments swapped in by htmx (the dashboard's refresh) bring new charts.
document.addEventListener("htmx:afterSettle", (event) => initCharts(event.target));
