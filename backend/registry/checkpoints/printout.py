"""One HTML page of QR checkpoints laid out for A4: 3 × 4 stickers a sheet, name and address
under each. Self-contained (inline SVG, no scripts, no external files): print from any browser,
or save as PDF."""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from backend.registry.checkpoints.qr import SVG_FONTS, qr_svg_element

PER_ROW, ROWS = 3, 4
PER_SHEET = PER_ROW * ROWS

_CSS = f"""
@page {{ size: A4; margin: 10mm; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font-family: {SVG_FONTS}; color: #000; }}
header {{ padding: 4mm 0; font-size: 10pt; }}
.sheet {{ width: 190mm; display: grid; grid-template-columns: repeat({PER_ROW}, 1fr);
  grid-auto-rows: 66mm; gap: 3mm; break-after: page; page-break-after: always; }}
.sheet:last-of-type {{ break-after: auto; page-break-after: auto; }}
.card {{ border: 0.2mm dashed #888; padding: 2mm; text-align: center; overflow: hidden;
  break-inside: avoid; page-break-inside: avoid; }}
.card svg {{ width: 40mm; height: 40mm; display: block; margin: 0 auto; }}
.name {{ font-weight: 700; font-size: 10pt; line-height: 1.2; max-height: 2.4em;
  overflow: hidden; }}
.address {{ font-size: 7.5pt; line-height: 1.2; max-height: 2.4em; overflow: hidden; }}
.code {{ font-size: 7pt; color: #444; }}
@media print {{ header {{ display: none; }} }}
"""


@dataclass(frozen=True)
class Sticker:
    token: str
    name: str
    address: str
    code: str


def _card(sticker: Sticker) -> str:
    return (
        '<div class="card">'
        f"{qr_svg_element(sticker.token)}"
        f'<div class="name">{escape(sticker.name)}</div>'
        f'<div class="address">{escape(sticker.address)}</div>'
        f'<div class="code">{escape(sticker.code)}</div>'
        "</div>"
    )


def render_printout(stickers: Sequence[Sticker], *, title: str) -> str:
    """The whole printout as one HTML document."""
    sheets = [
        '<section class="sheet">'
        + "".join(_card(s) for s in stickers[i : i + PER_SHEET])
        + "</section>"
        for i in range(0, len(stickers), PER_SHEET)
    ]
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<header>{escape(title)} — {len(stickers)} mã QR, {len(sheets)} trang A4. "
        "Mỗi mã là bí mật: in xong hãy cất bản in cẩn thận.</header>"
        f"{''.join(sheets)}</body></html>"
    )
