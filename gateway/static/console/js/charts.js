// Small SVG charts drawn here (no chart library, no CDN): bars with value labels, and a line.
// Built with createElementNS and presentation attributes only (no style attributes: CSP-clean).
const NS = "http://www.w3.org/2000/svg";
const WIDTH = 640; // one drawing width: labels read the same size in every chart

function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function frame(width, height, label) {
  return el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
}

/**
 * Vertical bars. `points`: [{label, value (number|null), text (label above the bar)}]; `max` the
 * top of the axis (defaults to the largest value). A null value draws no bar and says "—".
 */
export function barChart(points, { label, max, height = 180, tone = "", testid } = {}) {
  const width = WIDTH;
  const top = 18;
  const bottom = 26;
  const plot = height - top - bottom;
  const scaleMax = max || Math.max(1, ...points.map((p) => p.value || 0));
  const svg = frame(width, height, label);
  for (const f of [0, 0.5, 1]) {
    const y = top + plot * (1 - f);
    svg.append(el("line", { x1: 0, x2: width, y1: y, y2: y, class: f === 0 ? "axis" : "grid" }));
  }
  const slot = width / points.length;
  points.forEach((p, i) => {
    const x = i * slot + slot * 0.2;
    const w = slot * 0.6;
    const group = el("g", { "data-label": p.label, "data-value": p.value ?? "" });
    if (p.value !== null && p.value !== undefined) {
      const h = Math.max(p.value > 0 ? 2 : 0, (plot * p.value) / scaleMax);
      group.append(el("rect", { x, y: top + plot - h, width: w, height: h, rx: 2, class: `bar ${tone}` }));
      group.append(el("text", { x: x + w / 2, y: top + plot - h - 4, "text-anchor": "middle", class: "value" }, p.text ?? String(p.value)));
    } else {
      group.append(el("text", { x: x + w / 2, y: top + plot - 4, "text-anchor": "middle" }, "—"));
    }
    group.append(el("text", { x: x + w / 2, y: height - 8, "text-anchor": "middle" }, p.label));
    svg.append(group);
  });
  const box = document.createElement("div");
  box.className = "c-chart";
  if (testid) box.dataset.testid = testid;
  box.append(svg);
  return box;
}

/** A line through the points that have a value; gaps where there is none. */
export function lineChart(points, { label, height = 180, testid, unit = "" } = {}) {
  const width = WIDTH;
  const top = 18;
  const bottom = 26;
  const plot = height - top - bottom;
  const values = points.map((p) => p.value).filter((v) => v !== null && v !== undefined);
  const scaleMax = Math.max(1, ...values) * 1.15;
  const svg = frame(width, height, label);
  for (const f of [0, 0.5, 1]) {
    const y = top + plot * (1 - f);
    svg.append(el("line", { x1: 0, x2: width, y1: y, y2: y, class: f === 0 ? "axis" : "grid" }));
  }
  const slot = width / points.length;
  let path = "";
  let pen = false;
  points.forEach((p, i) => {
    const x = i * slot + slot / 2;
    svg.append(el("text", { x, y: height - 8, "text-anchor": "middle" }, p.label));
    if (p.value === null || p.value === undefined) { pen = false; return; }
    const y = top + plot - (plot * p.value) / scaleMax;
    path += `${pen ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)} `;
    pen = true;
    const group = el("g", { "data-label": p.label, "data-value": p.value });
    group.append(el("circle", { cx: x, cy: y, r: 3.5, class: "dot" }));
    group.append(el("text", { x, y: y - 8, "text-anchor": "middle", class: "value" }, `${p.value}${unit}`));
    svg.append(group);
  });
  if (path) svg.insertBefore(el("path", { d: path.trim(), class: "line" }), svg.firstChild.nextSibling);
  const box = document.createElement("div");
  box.className = "c-chart";
  if (testid) box.dataset.testid = testid;
  box.append(svg);
  return box;
}

/** Permille to "87.5%" (integers only), null to null. */
export function percent(permille) {
  if (permille === null || permille === undefined) return null;
  return `${Math.floor(permille / 10)}.${permille % 10}%`;
}
