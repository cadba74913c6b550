// Charts from the tables the server rendered: each <figure data-chart> holds a <table> with the
// same data, and the chart is drawn from that table, so what is drawn is what the table says.
// With script on, the table hides behind a "Show the numbers" button; without, it is all there is.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

// Okabe-Ito colours: told apart with the common colour-vision deficiencies.
const COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"];
const FAINT = ["#0072B266", "#E69F0066", "#009E7366", "#CC79A766", "#56B4E966", "#D55E0066"];

function readTable(figure) {
  const table = figure.querySelector("table");
  const exponent = Number(figure.dataset.exponent || "0");
  const heads = [...table.querySelectorAll("thead th")].slice(1);
  const series = heads
    .map((th, index) => ({ index, name: th.dataset.series, unit: th.dataset.unit }))
    .filter((s) => s.name);
  const rows = [...table.querySelectorAll("tbody tr")];
  const labels = rows.map((tr) => tr.querySelector("th").dataset.label);
  const axisTitle = table.querySelector("thead th").textContent.trim();
  const provisional = rows.map((tr) => tr.dataset.provisional === "1");
  const data = series.map((s) =>
    rows.map((tr) => {
      const raw = tr.querySelectorAll("td")[s.index].dataset.value;
      if (raw === "") return null;
      const value = Number(raw);
      if (s.unit === "money") return value / 10 ** exponent;
      if (s.unit === "rate") return value * 100;
      return value;
    }),
  );
  return { table, series, labels, provisional, data, axisTitle };
}

function chartConfig(figure, parsed) {
  const kind = figure.dataset.chart;
  const { series, labels, provisional, data, axisTitle } = parsed;
  // Only days (a cohort's figures can still change) are drawn faint; the table marks the rest.
  const faint = kind === "stacked" ? provisional : provisional.map(() => false);
  const datasets = series.map((s, i) => ({
    label: s.name,
    data: data[i],
    backgroundColor:
      kind === "line" ? COLOURS[i] : faint.map((p) => (p ? FAINT[i] : COLOURS[i])),
    borderColor: COLOURS[i],
    stepped: kind === "line" ? "before" : undefined,
    pointRadius: kind === "line" ? 2 : undefined,
  }));
  const rate = series.every((s) => s.unit === "rate");
  const valueAxis = {
    beginAtZero: true,
    stacked: kind === "stacked",
    max: rate ? 100 : undefined,
    ticks: { callback: (v) => (rate ? `${v}%` : v.toLocaleString(document.documentElement.lang)) },
  };
  const labelAxis = {
    stacked: kind === "stacked",
    ticks: { autoSkip: true, maxRotation: 0 },
    title: { display: kind !== "hbar", text: axisTitle },
  };
  return {
    type: kind === "line" ? "line" : "bar",
    data: { labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: kind === "hbar" ? "y" : "x",
      scales: kind === "hbar" ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
      plugins: { legend: { display: series.length > 1, position: "bottom" } },
    },
  };
}

function toggle(figure, tableBox) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary toggle";
  button.setAttribute("aria-controls", tableBox.id);
  const set = (open) => {
    tableBox.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? figure.dataset.hide : figure.dataset.show;
  };
  button.addEventListener("click", () => set(tableBox.hidden));
  set(false);
  return button;
}

export function initCharts(root) {
  const scope = root && root.querySelectorAll ? root : document;
  for (const figure of scope.querySelectorAll("figure[data-chart]")) {
    const tableBox = figure.querySelector(".chart-table");
    if (!tableBox || figure.dataset.drawn) continue;
    figure.dataset.drawn = "1";
    const parsed = readTable(figure);
    const box = document.createElement("div");
    box.className = "chart-canvas";
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", figure.querySelector("h2").textContent.trim());
    canvas.setAttribute("aria-describedby", `${figure.id}-desc`);
    box.append(canvas);
    tableBox.before(box, toggle(figure, tableBox));
    new Chart(canvas, chartConfig(figure, parsed));
  }
}
