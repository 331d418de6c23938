// The document viewer beside a claim: zoom, rotate, full screen, previous/next, and which
// documents this reviewer has opened. The server records each staff download of a document (who,
// when, why) in the claim's history: that record is what "opened" means here, nothing else.
import { request, withQuery } from "./api.js";
import { DOC_KINDS } from "./labels.js";
import { askReason, button, h, pill, textarea } from "./widgets.js";

const KIND_ORDER = Object.keys(DOC_KINDS);
const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];
// Photos of identity papers and bank cards: the documents route refuses them to staff without a
// reason (422 naming `reason`). The server's rule is the only one: the viewer asks once per claim
// page when the server does, and then sends the reason with every download.
const needsReason = (error) => error && error.status === 422 && error.errors.some((e) => e.field === "reason");

function photoReason(reference) {
  return askReason({
    title: "查看证件或银行卡照片", confirm: "查看", testid: "viewer-reason-dialog",
    note: "证件和银行卡照片属于敏感个人信息，查看时须说明原因，连同查看人和时间记入审计日志。",
    input: textarea({ testid: "viewer-reason", value: `审核报销申请 ${reference}` }),
  });
}

export function documentViewer(claim, { opened = [] } = {}) {
  const docs = [...claim.documents].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind)
    || String(a.uploaded_at).localeCompare(String(b.uploaded_at)));
  const seen = new Set(opened);
  const urls = new Map();
  let index = -1;
  let zoom = 2; // index into ZOOMS: 1x
  let rotation = 0;
  let reason = null;

  const stage = h("div.c-viewer__stage", { testid: "viewer-stage", tabindex: "0" });
  const caption = h("div.c-viewer__caption", { testid: "viewer-caption" });
  const list = h("div.c-viewer__list", { testid: "viewer-list" });
  const items = docs.map((d, i) => {
    const badge = h("span");
    const node = h("button.c-viewer__item", { type: "button", testid: `viewer-item-${d.kind}`, dataset: { id: d.id },
      onclick: () => show(i) }, h("div", DOC_KINDS[d.kind] || d.kind), h("div.c-small.c-muted", d.media_type === "application/pdf" ? "PDF" : "图片"), badge);
    node.badge = badge;
    return node;
  });
  list.append(...items);

  function markSeen(i) {
    const badge = items[i].badge;
    badge.replaceChildren(seen.has(docs[i].id) ? pill("已查看", "green", "viewer-seen") : pill("未查看", "", "viewer-unseen"));
  }
  docs.forEach((_, i) => markSeen(i));

  function applyTransform() {
    const img = stage.querySelector("img");
    if (img) img.style.transform = `scale(${ZOOMS[zoom]}) rotate(${rotation}deg)`;
    stage.dataset.zoom = String(ZOOMS[zoom]);
    stage.dataset.rotation = String(rotation);
  }

  async function blobUrl(doc) {
    if (!urls.has(doc.id)) {
      const path = withQuery(`/ops/v1/claims/${claim.id}/documents/${doc.id}`, { reason });
      const loading = request("GET", path).then((blob) => URL.createObjectURL(blob));
      loading.catch(() => urls.delete(doc.id)); // a failed load may be tried again
      urls.set(doc.id, loading);
    }
    return urls.get(doc.id);
  }

  async function show(i) {
    if (i < 0 || i >= docs.length) return;
    index = i;
    zoom = 2;
    rotation = 0;
    const doc = docs[i];
    items.forEach((node, n) => node.classList.toggle("is-current", n === i));
    caption.textContent = `${i + 1} / ${docs.length} · ${DOC_KINDS[doc.kind] || doc.kind}`;
    stage.dataset.index = String(i);
    stage.dataset.kind = doc.kind;
    stage.replaceChildren(h("span.c-muted", "加载中…"));
    try {
      const url = await blobUrl(doc);
      if (index !== i) return;
      stage.replaceChildren(doc.media_type === "application/pdf"
        ? h("div.c-viewer__pdf", { testid: "viewer-pdf" }, h("p", "PDF 文件"),
          h("a.c-btn.c-btn--primary", { href: url, target: "_blank", rel: "noopener" }, "在新窗口打开"),
          h("a.c-btn", { href: url, download: `${claim.reference}-${doc.kind}.pdf` }, "下载"))
        : h("img", { src: url, alt: DOC_KINDS[doc.kind] || doc.kind, testid: "viewer-image" }));
      applyTransform();
    } catch (error) {
      if (index !== i) return;
      stage.replaceChildren(needsReason(error) && !reason ? h("div.c-viewer__pdf", { testid: "viewer-needs-reason" },
        h("p", "证件或银行卡照片：说明查看原因后显示"),
        button("说明原因并查看", { testid: "viewer-ask-reason", onclick: async () => {
          reason = await photoReason(claim.reference);
          if (reason && index === i) show(i);
        } }, "primary"))
        : h("span.c-muted", `无法显示：${error.message || "加载失败"}`));
      return;
    }
    if (!seen.has(doc.id)) {
      seen.add(doc.id);
      markSeen(i);
    }
  }

  const zoomBy = (step) => { zoom = Math.max(0, Math.min(ZOOMS.length - 1, zoom + step)); applyTransform(); };
  const rotate = (deg) => { rotation = (rotation + deg + 360) % 360; applyTransform(); };
  const fullscreen = () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else stage.requestFullscreen?.().catch(() => {});
  };
  stage.addEventListener("keydown", (e) => {
    const keys = { ArrowLeft: () => show(index - 1), ArrowRight: () => show(index + 1), "+": () => zoomBy(1), "=": () => zoomBy(1),
      "-": () => zoomBy(-1), r: () => rotate(90), f: fullscreen };
    if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
  });
  const tools = h("div.c-viewer__tools", { testid: "viewer-tools" },
    button("上一份", { testid: "viewer-prev", onclick: () => show(index - 1) }),
    button("下一份", { testid: "viewer-next", onclick: () => show(index + 1) }),
    button("放大", { testid: "viewer-zoom-in", onclick: () => zoomBy(1) }),
    button("缩小", { testid: "viewer-zoom-out", onclick: () => zoomBy(-1) }),
    button("向左旋转", { testid: "viewer-rotate-left", onclick: () => rotate(-90) }),
    button("向右旋转", { testid: "viewer-rotate-right", onclick: () => rotate(90) }),
    button("原始大小", { testid: "viewer-reset", onclick: () => { zoom = 2; rotation = 0; applyTransform(); } }),
    button("全屏", { testid: "viewer-fullscreen", onclick: fullscreen }),
    h("span.c-spacer"), caption);
  const node = h("div.c-viewer", { testid: "viewer" }, list, h("div.c-viewer__main", tools, stage));
  node.start = () => { if (docs.length) show(0); else stage.replaceChildren(h("span.c-muted", "尚未上传材料")); };
  node.release = () => { for (const p of urls.values()) p.then((u) => URL.revokeObjectURL(u)).catch(() => {}); };
  return node;
}
