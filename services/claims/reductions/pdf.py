"""Printable PDFs: the reduction notice (减免通知单, Beijing annex 2 fields, QR code with its number)
and the hospital settlement statement (医院直免结算清单)."""

from __future__ import annotations

import io
from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from services.claims.reductions.models import HospitalStatement, ReductionNotice
from services.claims.reductions.statements import yuan

FONT = "STSong-Light"  # a standard CID font every PDF reader has for Chinese; nothing to embed
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
RELATIONSHIP = {"self": "本人", "spouse": "配偶", "parent": "父母", "child": "子女", "adoptive_parent": "养父母",
                "adoptive_child": "养子女", "step_parent": "继父母", "step_child": "继子女"}
PRODUCTS = {"whole_blood": "全血", "red_cells": "悬浮红细胞", "washed_red_cells": "洗涤红细胞", "plasma": "冰冻血浆",
            "cryoprecipitate": "冷沉淀", "platelets_apheresis": "机采血小板"}


def _qr(c: canvas.Canvas, value: str, x: float, y: float, size: float = 90) -> None:
    widget = QrCodeWidget(value)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, c, x, y)


def notice_pdf(notice: ReductionNotice, hospital_name: str, items: list[dict[str, Any]],
               explanation: list[str]) -> bytes:
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4, pageCompression=0)
    width, height = A4
    c.setTitle(f"临床用血费用减免通知单 {notice.notice_no}")
    c.setFont(FONT, 18)
    c.drawCentredString(width / 2, height - 60, "临床用血费用减免通知单")
    c.setFont("Helvetica", 10)
    c.drawString(60, height - 85, f"No. {notice.notice_no}")
    _qr(c, notice.notice_no, width - 150, height - 160)
    rows = [
        ("医疗机构", hospital_name),
        ("患者姓名", notice.patient_name), ("患者证件号", notice.patient_cert_masked),
        ("献血者姓名", notice.donor_name), ("献血者证件号", notice.donor_cert_masked),
        ("与献血者关系", RELATIONSHIP.get(notice.relationship, notice.relationship)),
        *[(f"其他献血者{i}",
           f"{d['name']} {d['cert_masked']}（{RELATIONSHIP.get(d['relationship'], d['relationship'])}）")
          for i, d in enumerate(notice.additional_donors, start=2)],
        ("亲属关系证明", {"pledge": "亲属关系承诺书", "document": "亲属关系证明"}.get(
            (notice.kinship_evidence or {}).get("kind", ""), "—")),
        ("用血日期", notice.used_on.isoformat()),
        ("用血品种", "，".join(f"{PRODUCTS.get(i['product'], i['product'])} {i['quantity']}" for i in items)),
        ("输血费用", f"{yuan(notice.blood_fee_fen)} 元"),
        *([("用血互助金", f"{yuan(notice.mutual_aid_fen)} 元")] if notice.mutual_aid_fen else []),
        ("最高减免金额", f"{yuan(notice.max_reducible_fen)} 元"),
        ("有效期至", notice.valid_until.isoformat()),
    ]
    y = height - 190
    for label, value in rows:
        c.setFont(FONT, 11)
        c.drawString(60, y, f"{label}：")
        c.drawString(170, y, str(value))
        y -= 22
    c.setFont(FONT, 10)
    c.drawString(60, y - 6, "减免依据：")
    y -= 24
    for line in explanation[:14]:
        c.drawString(70, y, str(line)[:60])
        y -= 16
    y -= 16
    c.setFont(FONT, 11)
    c.drawString(60, y, "结算登记（出院结算时填写）：收费收据编号 ____________  减免金额 ________ 元")
    c.drawString(60, y - 26, "患者（或家属）签字 ____________        经办人 ____________        日期 ____________")
    c.setFont(FONT, 9)
    c.drawString(60, 50, "减免金额不超过本通知单额度及结算发票中的输血费用；配血、输注等费用不属于减免范围。")
    c.showPage()
    c.save()
    return buffer.getvalue()


def statement_pdf(statement: HospitalStatement, notices: list[ReductionNotice], hospital_name: str) -> bytes:
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4, pageCompression=0)
    width, height = A4
    c.setFont(FONT, 16)
    c.drawCentredString(width / 2, height - 60, "医院直免结算清单")
    c.setFont(FONT, 11)
    c.drawString(60, height - 90, f"医疗机构：{hospital_name}（{statement.hospital_code}）  结算期：{statement.period}")
    y = height - 120
    c.setFont(FONT, 9)
    c.drawString(60, y, "通知单号            收据号          结算日期      患者证件号            减免金额(元)")
    for n in notices:
        y -= 16
        if y < 90:
            c.showPage()
            c.setFont(FONT, 9)
            y = height - 60
        c.drawString(60, y, f"{n.notice_no}  {n.receipt_no}  {n.settled_on}  {n.patient_cert_masked}  {yuan(n.reduced_fen)}")
    y -= 30
    c.setFont(FONT, 11)
    c.drawString(60, y, f"合计 {statement.reduction_count} 笔，{yuan(statement.total_fen)} 元")
    names = {"local_fund": "还血基金", "military_fund": "部队献血管理费"}
    for line in statement.funding:
        y -= 18
        c.drawString(80, y, f"{names.get(line['source'], line['source'])}：{yuan(line['amount_fen'])} 元")
    c.showPage()
    c.save()
    return buffer.getvalue()
