"""QR images of checkpoint tokens, with the house name under the code.

The QR holds the token exactly as issued (32 URL-safe characters), nothing else: the patrol
app sends what it scans. SVG text is drawn by the viewer's fonts; for PNG we draw the name
ourselves with a TrueType font that has Vietnamese glyphs (DejaVu Sans ships with Debian's
fonts-dejavu-core; ``TTQ_QR_FONT_PATH`` names another). Without one the name is drawn without
diacritics rather than as empty boxes.
"""

import io
import shutil
import subprocess
import textwrap
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from backend.core.config import get_settings

# Pillow is imported by the functions that draw (~4 MB of every API process otherwise, which
# only the rare printing of a checkpoint needs), as segno is.
if TYPE_CHECKING:
    import segno
    from PIL import ImageDraw, ImageFont

SCALE = 10  # pixels per module: a 33×33 code prints at ~3 cm at 300 dpi
BORDER = 4  # quiet zone in modules, as the standard asks
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  # Debian, Ubuntu
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",  # Fedora
    "/usr/share/fonts/TTF/DejaVuSans.ttf",  # Arch
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/arial.ttf",
)
SVG_FONTS = "'Be Vietnam Pro', 'Noto Sans', 'DejaVu Sans', Arial, sans-serif"
_PROBE = "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĐ"


def make_qr(token: str) -> "segno.QRCode":
    """A regular QR code (never Micro QR, which phone scanners often miss), level M."""
    import segno  # ~10 MB of every API process otherwise, for printing checkpoints

    return segno.make_qr(token, error="m", boost_error=True)


def _fc_match() -> str | None:
    if not shutil.which("fc-match"):
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", "sans:lang=vi"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


@lru_cache
def font_path() -> str | None:
    """A TrueType font file with Vietnamese glyphs, or None when the machine has none."""
    from PIL import ImageFont

    configured = get_settings().qr_font_path
    candidates = [configured] if configured else []
    candidates += [*FONT_CANDIDATES, _fc_match()]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            try:
                font = ImageFont.truetype(candidate, 20)
            except OSError:
                continue
            if covers(font, _PROBE):
                return candidate
    return None


def covers(font: "ImageFont.FreeTypeFont | ImageFont.ImageFont", text: str) -> bool:
    """Whether a font draws every character of ``text`` (not the "missing glyph" box)."""

    def ink(ch: str) -> tuple:
        mask = font.getmask(ch)
        return mask.size, bytes(mask)

    missing = ink("\ue000")  # a private-use code point: no font has a glyph for it
    return all(ink(ch) != missing for ch in set(text) if not ch.isspace() and ord(ch) > 127)


def strip_marks(text: str) -> str:
    """Vietnamese without diacritics, case kept: the fallback when no font can draw them."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _font(size: int) -> "tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]":
    from PIL import ImageFont

    path = font_path()
    if path:
        return ImageFont.truetype(path, size), True
    return ImageFont.load_default(size), False


def _wrap(draw: "ImageDraw.ImageDraw", text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines[:4] or [""]


def render_png(token: str, name: str, caption: str | None = None) -> bytes:
    """The QR as PNG with the house name (and a small caption, e.g. its code) underneath."""
    from PIL import Image, ImageDraw

    buffer = io.BytesIO()
    make_qr(token).save(buffer, kind="png", scale=SCALE, border=BORDER)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    width = code.width
    name_size, caption_size = max(16, width // 14), max(12, width // 20)
    name_font, unicode_ok = _font(name_size)
    caption_font, _ = _font(caption_size)
    if not unicode_ok or not covers(name_font, name):
        name = strip_marks(name)
    if caption and (not unicode_ok or not covers(caption_font, caption)):
        caption = strip_marks(caption)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    lines = _wrap(probe, name, name_font, width - 2 * SCALE)
    line_height = int(name_size * 1.3)
    text_height = len(lines) * line_height + (int(caption_size * 1.5) if caption else 0)
    canvas = Image.new("L", (width, code.height + text_height + SCALE), 255)
    canvas.paste(code, (0, 0))
    draw = ImageDraw.Draw(canvas)
    y = code.height - SCALE  # the quiet zone below the code already gives some room
    for line in lines:
        draw.text((width / 2, y), line, font=name_font, fill=0, anchor="ma")
        y += line_height
    if caption:
        draw.text((width / 2, y + 2), caption, font=caption_font, fill=0, anchor="ma")
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()


def qr_svg_element(token: str, *, x: float = 0, y: float = 0, size: float | None = None) -> str:
    """The QR alone as an ``<svg>`` element to embed in a page or a larger drawing."""
    qr = make_qr(token)
    modules = qr.symbol_size(scale=1, border=BORDER)[0]
    side = size or modules * SCALE
    inner = qr.svg_inline(scale=1, border=BORDER, omitsize=True)
    # Re-wrap segno's path in an <svg> sized by us; the viewBox keeps modules crisp at any size.
    path = inner[inner.index("<path") : inner.rindex("</svg>")]
    return (
        f'<svg x="{x}" y="{y}" width="{side}" height="{side}" viewBox="0 0 {modules} {modules}" '
        f'shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/>{path}</svg>'
    )


def render_svg(token: str, name: str, caption: str | None = None) -> bytes:
    """The QR as a standalone SVG with the house name (and caption) underneath."""
    qr = make_qr(token)
    side = qr.symbol_size(scale=SCALE, border=BORDER)[0]
    name_size, caption_size = max(16, side // 14), max(12, side // 20)
    lines = textwrap.wrap(name, width=max(10, int(side / (name_size * 0.55)))) or [""]
    lines = lines[:4]
    line_height = name_size * 1.3
    height = side + len(lines) * line_height + (caption_size * 1.5 if caption else 0) + SCALE
    texts = []
    y = side - SCALE + name_size
    for line in lines:
        texts.append(
            f'<text x="{side / 2}" y="{y:.1f}" text-anchor="middle" font-size="{name_size}">'
            f"{escape(line)}</text>"
        )
        y += line_height
    if caption:
        texts.append(
            f'<text x="{side / 2}" y="{y + 2:.1f}" text-anchor="middle" '
            f'font-size="{caption_size}">{escape(caption)}</text>'
        )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side}" height="{height:.0f}" '
        f'viewBox="0 0 {side} {height:.0f}">'
        f'<rect width="100%" height="100%" fill="#fff"/>'
        f"{qr_svg_element(token)}"
        f'<g font-family="{SVG_FONTS}" fill="#000">{"".join(texts)}</g></svg>'
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + svg).encode()
