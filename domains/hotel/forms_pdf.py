"""The three paper forms of the reception (000) as A4 PDFs: the VIP Reception Notice (贵宾接待通知单),
the VIP Room Sealing Confirmation (贵宾封房确认表) and the VIP Arrival/Departure Notice (贵宾抵离通知单).

reportlab's built-in CID font (STSong-Light) renders Chinese with no font files or system packages,
so the PDF works on a fresh machine. Each form is a title, the stay's particulars, and a table of
steps with their deadline and a signature block (who signed and when, or a blank line to sign on).
"""
from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def render(title: str, particulars: list[tuple[str, str]], header: list[str], rows: list[list[str]],
           footer: str = "") -> bytes:
    """An A4 form: ``particulars`` as label/value pairs, ``rows`` under ``header``."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=title)
    h1 = ParagraphStyle("h1", fontName=FONT, fontSize=18, leading=24, alignment=1, spaceAfter=6 * mm)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=9.5, leading=13)
    story = [Paragraph(title, h1)]
    facts = Table([[Paragraph(k, cell), Paragraph(v, cell)] for k, v in particulars], colWidths=[35 * mm, 145 * mm])
    facts.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke)]))
    story += [facts, Spacer(1, 6 * mm)]
    body = Table([[Paragraph(h, cell) for h in header]] + [[Paragraph(c, cell) for c in r] for r in rows],
                 colWidths=[58 * mm, 28 * mm, 32 * mm, 62 * mm], repeatRows=1)
    body.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                              ("VALIGN", (0, 0), (-1, -1), "TOP"), ("MINROWHEIGHT", (0, 1), (-1, -1), 9 * mm)]))
    story.append(body)
    if footer:
        story += [Spacer(1, 8 * mm), Paragraph(footer, cell)]
    doc.build(story)
    return out.getvalue()
