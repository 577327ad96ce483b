"""What an uploaded file really is (from its bytes, never its name) and metadata stripping.

Photos: JPEG, PNG, WebP, HEIC. Audio: M4A/MP4 audio, AAC, MP3, Ogg, AMR, WAV, 3GP. An MP4
container with a video track is refused: evidence clips are photos and voice notes.
"""

import io
import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

# Pillow is imported by the functions that decode (~4 MB of every API process otherwise, paid
# only by the processes that receive a photo).
if TYPE_CHECKING:
    from PIL import Image

MAX_PIXELS = 60_000_000  # beyond any phone camera; stops decompression bombs early
HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis"}
AUDIO_BRANDS = {b"M4A ", b"M4B ", b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3g2a"}
GENERIC_MP4 = {b"isom", b"iso2", b"mp41", b"mp42", b"dash"}
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


# Markup that a browser would run if it ever took the file for a page (a PNG/HTML polyglot
# uploaded as a photo). Compressed image data matching this by chance is vanishingly rare.
_MARKUP = re.compile(
    rb"<\s*(?:script|html|body|head|iframe|svg|img|object|embed|meta|link|style|form|"
    rb"!doctype|\?xml|a\s+href)[\s>/]",
    re.IGNORECASE,
)


def carries_markup(data: bytes) -> bool:
    """Whether the file holds HTML/SVG/XML markup anywhere (a polyglot), whatever it sniffs as."""
    return _MARKUP.search(data) is not None


@dataclass(frozen=True)
class Sniffed:
    kind: str  # photo | audio
    content_type: str
    extension: str


def _has_video_track(data: bytes) -> bool:
    # hdlr box: size, "hdlr", version/flags (4), pre_defined (4), handler_type (4).
    start = 0
    while (i := data.find(b"hdlr", start)) != -1:
        if data[i + 12 : i + 16] == b"vide":
            return True
        start = i + 4
    return False


def sniff(data: bytes) -> Sniffed | None:
    """The file's real type from its magic bytes, or None when it is not one we accept."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("photo", "image/jpeg", "jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("photo", "image/png", "png")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("photo", "image/webp", "webp")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed("audio", "audio/wav", "wav")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in HEIC_BRANDS:
            return Sniffed("photo", "image/heic", "heic")
        if brand in AUDIO_BRANDS and not _has_video_track(data):
            ctype = "audio/3gpp" if brand.startswith(b"3g") else "audio/mp4"
            return Sniffed("audio", ctype, "3gp" if brand.startswith(b"3g") else "m4a")
        if brand in GENERIC_MP4 and not _has_video_track(data):
            return Sniffed("audio", "audio/mp4", "m4a")
        return None
    if head.startswith(b"#!AMR"):
        return Sniffed("audio", "audio/amr", "amr")
    if head.startswith(b"OggS"):
        return Sniffed("audio", "audio/ogg", "ogg")
    if head.startswith(b"ID3"):
        return Sniffed("audio", "audio/mpeg", "mp3")
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF0 == 0xF0 and not head[1] & 0x06:
        return Sniffed("audio", "audio/aac", "aac")  # ADTS: sync word, layer 00
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return Sniffed("audio", "audio/mpeg", "mp3")  # MPEG audio frame sync
    return None


def _open(data: bytes) -> "Image.Image":
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise ValueError("image too large")
        image.load()
    return image


def check_image(data: bytes) -> None:
    """Raise ValueError unless the bytes decode as an image Pillow can read."""
    from PIL import Image

    try:
        _open(data)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning) as exc:
        raise ValueError(str(exc)) from exc


def strip_metadata(data: bytes, content_type: str) -> bytes:
    """Re-encode a photo from its pixels only: no EXIF (GPS, camera, time), XMP, ICC, comments.

    The EXIF orientation is applied first, so the photo still looks the way it was taken.
    """
    from PIL import Image, ImageOps

    try:
        image = ImageOps.exif_transpose(_open(data))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning) as exc:
        raise ValueError(str(exc)) from exc
    mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info else "RGB"
    if content_type == "image/jpeg":
        mode = "RGB"
    pixels = image.convert(mode)
    clean = Image.frombytes(mode, pixels.size, pixels.tobytes())  # a fresh image: empty .info
    out = io.BytesIO()
    fmt = PILLOW_FORMATS[content_type]
    options = {"quality": 90} if fmt in ("JPEG", "WEBP") else {"optimize": True}
    clean.save(out, fmt, **options)
    return out.getvalue()
