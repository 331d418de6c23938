// Claim documents: a photo tile per required kind (camera or album), thumbnails, the list of
// what is still missing (from the API after every upload), and the signed kinship pledge.
import { api, request } from "./api.js";
import { icons } from "./icons.js";
import { DOC_KINDS, RELATIONSHIPS } from "./labels.js";
import { actionSheet, button, cleanMessage, dateText, h, toast, todayIso } from "./ui.js";

/** The kinds a claim needs (mirrors the claims service), plus the optional bank card photo. */
export function requiredKinds(claim) {
  const kinds = ["donor_id_front", "donor_id_back"];
  const others = claim.additional_donors || [];
  if (claim.relationship !== "self") kinds.push("beneficiary_id_front", "beneficiary_id_back");
  if (others.length) kinds.push("other_donor_ids");
  if (claim.relationship !== "self" || others.some((d) => d.relationship !== "self")) {
    kinds.push(claim.kinship_evidence === "document" ? "kinship_proof" : "kinship_pledge");
  }
  kinds.push("fee_list", "invoice");
  if (claim.donor_deceased) kinds.push("death_proof");
  if (claim.agent) kinds.push("agent_id");
  for (const k of claim.missing_documents || []) if (!kinds.includes(k)) kinds.push(k);
  return kinds;
}

export function missingBanner(missing) {
  const node = h("div.x-missing", { testid: "missing-documents", class: missing.length ? "" : "is-done", role: "status" });
  if (!missing.length) {
    node.append("材料已齐全，可以提交。");
  } else {
    node.append(h("strong", `还需上传 ${missing.length} 项材料：`),
      h("ul", missing.map((k) => h("li", { dataset: { kind: k } }, DOC_KINDS[k] || k))));
  }
  return node;
}

const thumbs = new Map();
async function thumbnail(claimId, doc) {
  if (!thumbs.has(doc.id)) {
    thumbs.set(doc.id, request("GET", `/api/v1/claims/${claimId}/documents/${doc.id}`)
      .then((blob) => URL.createObjectURL(blob)).catch(() => null));
  }
  return thumbs.get(doc.id);
}

function thumbNode(claimId, doc) {
  const node = h("div.x-thumb", { testid: `doc-${doc.kind}`, title: DOC_KINDS[doc.kind] || doc.kind });
  if (doc.media_type === "application/pdf") {
    node.append(h("div.x-thumb__pdf", "PDF"));
  } else {
    thumbnail(claimId, doc).then((url) => { if (url) node.append(h("img", { src: url, alt: DOC_KINDS[doc.kind] || doc.kind })); });
  }
  return node;
}

/** Phone photos are large: scale to at most 2000 px as JPEG before sending (the server re-encodes anyway). */
async function shrink(file) {
  if (!file.type.startsWith("image/") || file.size < 1.5 * 1024 * 1024 || !window.createImageBitmap) return file;
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, 2000 / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.86));
    return blob && blob.size < file.size ? new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }) : file;
  } catch {
    return file;
  }
}

export async function uploadDocument(claimId, kind, file, filename) {
  const form = new FormData();
  form.append("kind", kind);
  form.append("file", file, filename || file.name || `${kind}.jpg`);
  return api.upload(`/api/v1/claims/${claimId}/documents`, form);
}

/**
 * Upload cells for `kinds`. `claim` is the API's claim (id, documents, missing_documents);
 * `onUploaded(result)` receives `{document, missing_documents}` after each upload.
 */
export function documentUploader(claim, kinds, { onUploaded, pledge } = {}) {
  const root = h("div.x-cells", { testid: "uploader" });
  const documents = [...(claim.documents || [])];

  for (const kind of kinds) {
    if (kind === "kinship_pledge" && pledge) {
      root.append(pledgeCell(claim, documents, pledge, onUploaded));
      continue;
    }
    const files = h("div.x-upload__files");
    const status = h("span");
    const error = h("div.x-field-error", { hidden: true, dataset: { errorFor: `documents.${kind}` }, testid: `error-doc-${kind}`, role: "alert" });
    const album = h("input.x-file-input", { type: "file", accept: "image/*,application/pdf", testid: `file-${kind}`, "aria-label": `${DOC_KINDS[kind]}（相册）` });
    const camera = h("input.x-file-input", { type: "file", accept: "image/*", capture: "environment", testid: `camera-${kind}`, "aria-label": `${DOC_KINDS[kind]}（拍照）` });
    const tile = h("button.x-add-tile", { type: "button", testid: `add-${kind}`, "aria-label": `上传${DOC_KINDS[kind]}` },
      h("span", { html: icons.camera }), h("span", "拍照/上传"));
    const cell = h("div.x-upload", { dataset: { kind }, testid: `upload-${kind}` },
      h("div.x-upload__hd", h("span", DOC_KINDS[kind] || kind), status),
      files, error, album, camera);

    const refresh = () => {
      const mine = documents.filter((d) => d.kind === kind);
      files.replaceChildren(...mine.map((d) => thumbNode(claim.id, d)), tile);
      status.replaceChildren(mine.length
        ? h("span.x-tag.is-green", { testid: `status-${kind}` }, "已上传")
        : h("span.x-tag", { class: kind === "bank_card" ? "is-grey" : "is-orange", testid: `status-${kind}` }, kind === "bank_card" ? "选传" : "待上传"));
    };

    const send = async (input) => {
      const file = input.files && input.files[0];
      input.value = "";
      if (!file) return;
      error.hidden = true;
      tile.classList.add("is-busy");
      tile.disabled = true;
      try {
        const result = await uploadDocument(claim.id, kind, await shrink(file));
        documents.push(result.document);
        refresh();
        toast("上传成功");
        onUploaded && onUploaded(result);
      } catch (err) {
        const fieldError = err.errors && err.errors[0];
        error.textContent = cleanMessage(fieldError ? fieldError.message : err.message);
        error.hidden = false;
      } finally {
        tile.classList.remove("is-busy");
        tile.disabled = false;
      }
    };
    album.addEventListener("change", () => send(album));
    camera.addEventListener("change", () => send(camera));
    tile.addEventListener("click", async () => {
      const choice = await actionSheet(["拍照", "从手机相册选择"], DOC_KINDS[kind]);
      if (choice === 0) camera.click();
      if (choice === 1) album.click();
    });
    refresh();
    root.append(cell);
  }
  return root;
}

// ---- 亲属关系承诺书 (seed 001, annex 5) ------------------------------------------------

function blank(value) { return h("u", value || "　　　　"); }

/** The pledge text with the claim's people filled in (the form of Beijing annex 5). */
export function pledgeText(p) {
  const law = p.province === "11" ? "《北京市献血管理办法》第三条规定" : "献血地献血管理规定";
  const fund = p.province === "11" ? "北京市血液经费" : "血液经费";
  const rel = RELATIONSHIPS[p.relationship] || p.relationship;
  return {
    title: "亲属关系承诺书",
    paragraphs: [
      ["献血者姓名", p.donorName, "，身份证号码", p.donorCert, "，联系电话", p.donorPhone || "", "。"],
      ["用血者姓名", p.beneficiaryName, "，身份证号码", p.beneficiaryCert, "，联系电话", p.beneficiaryPhone || "", "。"],
      p.relationship === "self" ? ["献血者即用血者本人。"]
        : ["献血者与用血者系", `${rel}（用血者为献血者的${rel}）`, `亲属关系，满足${law}的享受用血费用减免条件。`],
      // Several donors on one bill: each further donor and the user's relationship to them.
      ...(p.others || []).map((d) => ["其他献血者姓名", d.name, "，身份证号码", d.cert, "，用血者为其",
        RELATIONSHIPS[d.relationship] || d.relationship, "，同样满足上述减免条件。"]),
      ["（以下为委托代办人填写）代办人姓名", p.agentName || "无", "，身份证号码", p.agentCert || "无", "，联系电话", p.agentPhone || "无", "。"],
      [`本人郑重承诺：本次临床用血费用减免所提交的所有资料均真实有效，因虚假关系或虚假材料等原因导致${fund}流失的，由本人承担相应的法律责任及后果。`],
    ],
  };
}

const maskId = (value) => (/^[0-9]{17}[0-9X]$/i.test(value || "") ? `${value.slice(0, 6)}********${value.slice(-4)}` : value);
const maskPhone = (value) => (/^1[0-9]{10}$/.test(value || "") ? `${value.slice(0, 3)}****${value.slice(-4)}` : value);

/** On screen the filled-in pledge shows masked numbers; the signed image carries them whole, as the paper form does. */
function pledgeNode(text) {
  const masked = (part) => maskPhone(maskId(part));
  return h("div.x-pledge", { testid: "pledge-text" }, h("h3", text.title),
    text.paragraphs.map((parts) => h("p", parts.map((part, i) => (i % 2 === 1 ? blank(masked(part)) : part)))));
}

/** Draw the pledge and the signature into one PNG: what a reviewer sees, like the paper form. */
async function composePledge(text, signature) {
  const W = 1080;
  const pad = 72;
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d");
  const font = '34px "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';
  const wrap = (line, indent) => {
    ctx.font = font;
    const out = [];
    let current = indent;
    for (const ch of Array.from(line)) {
      if (ctx.measureText(current + ch).width > W - 2 * pad) { out.push(current); current = ""; }
      current += ch;
    }
    out.push(current);
    return out;
  };
  const lines = text.paragraphs.flatMap((parts) => wrap(parts.map((s) => s || "＿＿").join(""), "　　"));
  const lineH = 60;
  canvas.width = W;
  canvas.height = 200 + lines.length * lineH + 320;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#111";
  ctx.textBaseline = "top";
  ctx.font = 'bold 48px "PingFang SC", "Noto Sans CJK SC", sans-serif';
  ctx.textAlign = "center";
  ctx.fillText(text.title, W / 2, 80);
  ctx.textAlign = "left";
  ctx.font = font;
  lines.forEach((line, i) => ctx.fillText(line, pad, 180 + i * lineH));
  const y = 200 + lines.length * lineH + 20;
  ctx.fillText("承诺人：", W / 2 - 120, y + 60);
  const sigW = 360;
  const sigH = (signature.height / signature.width) * sigW;
  ctx.drawImage(signature, W / 2 + 10, y + 10, sigW, Math.min(sigH, 160));
  const [yy, mm, dd] = todayIso().split("-");
  ctx.fillText(`${yy} 年 ${Number(mm)} 月 ${Number(dd)} 日`, W / 2 + 40, y + 200);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}

/** A signature pad on a <canvas> (pointer events: finger, pen or mouse). */
export function signaturePad() {
  const canvas = h("canvas", { testid: "signature-pad", "aria-label": "手写签名区域" });
  const placeholder = h("div.x-sign__placeholder", "请在此处手写签名");
  const node = h("div.x-sign__pad", canvas, placeholder);
  const ctx = canvas.getContext("2d");
  let strokes = 0;
  let drawing = false;
  let sized = false;
  const size = () => {
    const ratio = window.devicePixelRatio || 1;
    const rect = canvas.getBoundingClientRect();
    if (!rect.width) return;
    sized = true;
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
  };
  const at = (e) => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  canvas.addEventListener("pointerdown", (e) => {
    if (!sized) size();
    drawing = true;
    canvas.setPointerCapture?.(e.pointerId);
    const [x, y] = at(e);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 0.1, y + 0.1);
    ctx.stroke();
    placeholder.hidden = true;
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const [x, y] = at(e);
    ctx.lineTo(x, y);
    ctx.stroke();
  });
  const end = () => { if (drawing) { drawing = false; strokes += 1; node.dispatchEvent(new Event("signed")); } };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointerleave", end);
  canvas.addEventListener("pointercancel", end);
  requestAnimationFrame(size);
  return {
    node,
    canvas,
    get signed() { return strokes > 0; },
    clear() { ctx.clearRect(0, 0, canvas.width, canvas.height); strokes = 0; placeholder.hidden = false; },
  };
}

function pledgeCell(claim, documents, pledge, onUploaded) {
  const text = pledgeText(pledge);
  const cell = h("div.x-upload", { dataset: { kind: "kinship_pledge" }, testid: "upload-kinship_pledge" });
  const draw = () => {
    const signed = documents.filter((d) => d.kind === "kinship_pledge");
    const status = signed.length ? h("span.x-tag.is-green", { testid: "status-kinship_pledge" }, "已签署")
      : h("span.x-tag.is-orange", { testid: "status-kinship_pledge" }, "待签署");
    cell.replaceChildren(h("div.x-upload__hd", h("span", DOC_KINDS.kinship_pledge), status));
    if (signed.length) {
      cell.append(h("div.x-upload__files", signed.map((d) => thumbNode(claim.id, d))),
        h("div.x-hint", "承诺书已签署并上传。"));
      return;
    }
    const agree = h("input", { type: "checkbox", testid: "pledge-agree" });
    const pad = signaturePad();
    const error = h("div.x-field-error", { hidden: true, testid: "error-doc-kinship_pledge", role: "alert" });
    const sign = button("确认签署并上传", { testid: "pledge-submit", disabled: true });
    const ready = () => { sign.disabled = !(agree.checked && pad.signed); };
    agree.addEventListener("change", ready);
    pad.node.addEventListener("signed", ready);
    sign.addEventListener("click", async () => {
      error.hidden = true;
      sign.disabled = true;
      try {
        const png = await composePledge(text, pad.canvas);
        const result = await uploadDocument(claim.id, "kinship_pledge", png, "kinship_pledge.png");
        documents.push(result.document);
        toast("承诺书已签署");
        onUploaded && onUploaded(result);
        draw();
      } catch (err) {
        error.textContent = cleanMessage(err.message);
        error.hidden = false;
        ready();
      }
    });
    cell.append(
      h("div.x-hint", "亲属用血可签署《亲属关系承诺书》代替户口本等证明材料。请阅读后在下方签名。"),
      pledgeNode(text),
      h("label.x-check", agree, h("span", "我已阅读并确认以上承诺内容真实有效")),
      h("div.x-sign", pad.node,
        h("div.x-sign__tools",
          h("button.x-btn.x-btn--plain", { type: "button", testid: "pledge-clear", onclick: () => { pad.clear(); ready(); } }, "清除重签"),
          h("span.x-small.x-muted", `签署日期 ${dateText(todayIso())}`)),
        error, h("div", { style: "margin-top:12px" }, sign)));
  };
  draw();
  return cell;
}
