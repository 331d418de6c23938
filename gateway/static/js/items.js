// Blood products used: rows of product + quantity (usage.items[i].product / quantity).
import { icons } from "./icons.js";
import { PRODUCTS } from "./labels.js";
import { h } from "./ui.js";

/** An editable list; `field` names the JSON path for error slots (e.g. "usage.items"). */
export function itemsEditor(initial, { field = "items", disabled = false, onChange = () => {} } = {}) {
  const rows = h("div", { testid: "items" });
  const node = h("div", rows);
  const productOptions = Object.entries(PRODUCTS).map(([value, p]) => h("option", { value }, p.name));

  const renumber = () => {
    [...rows.children].forEach((row, i) => {
      row.querySelector("select").dataset.field = `${field}[${i}].product`;
      row.querySelector("select").dataset.testid = `item-product-${i}`;
      row.querySelector("input").dataset.field = `${field}[${i}].quantity`;
      row.querySelector("input").dataset.testid = `item-quantity-${i}`;
      row.querySelector("[data-error-for]").dataset.errorFor = `${field}[${i}]`;
      row.querySelector(".x-item-remove").hidden = disabled || rows.children.length === 1;
    });
  };

  const addRow = (item = { product: "red_cells", quantity: 2 }) => {
    const product = h("select.x-select", { disabled, "aria-label": "血液品种" }, productOptions.map((o) => o.cloneNode(true)));
    product.value = item.product;
    const quantity = h("input.x-input", { type: "text", inputmode: "numeric", value: String(item.quantity ?? ""),
      disabled, "aria-label": "数量", placeholder: "数量" });
    const unit = h("span.x-unit", PRODUCTS[item.product]?.unit || "");
    product.addEventListener("change", () => { unit.textContent = PRODUCTS[product.value]?.unit || ""; onChange(); });
    quantity.addEventListener("input", onChange);
    const row = h("div",
      h("div.x-item-row", product, h("div.x-qty", quantity, unit),
        h("button.x-item-remove", { type: "button", "aria-label": "删除", onclick: () => { row.remove(); renumber(); onChange(); } }, "×")),
      h("div.x-field-error", { hidden: true, dataset: { errorFor: "" } }));
    row.style.marginBottom = "10px";
    rows.append(row);
    renumber();
  };

  for (const item of initial && initial.length ? initial : [{ product: "red_cells", quantity: 2 }]) addRow(item);
  if (!disabled) {
    node.append(h("button.x-add-link", { type: "button", testid: "item-add", onclick: () => { addRow(); onChange(); } },
      h("span", { html: icons.plus }), "添加血液品种"));
  }
  node.value = () => [...rows.children].map((row) => {
    const text = row.querySelector("input").value.trim();
    return { product: row.querySelector("select").value, quantity: /^\d+$/.test(text) ? Number(text) : text === "" ? 0 : text };
  });
  return node;
}
