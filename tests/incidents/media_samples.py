"""Small files made in the test run: photos with GPS EXIF, audio and video containers."""

import io

from PIL import ExifTags, Image

GPS = {1: "N", 2: (10.0, 45.0, 30.0), 3: "E", 4: (106.0, 43.0, 12.0)}


def jpeg_with_gps(size=(64, 48), orientation: int | None = 6) -> bytes:
    """A JPEG carrying camera make, GPS position and an orientation tag."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.Base.Model] = "Phone X"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def png_with_text() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Location", "10.7583,106.7200")
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 0, 255, 128)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def m4a() -> bytes:
    """An MP4 audio container (ftyp M4A, a 'soun' handler)."""
    ftyp = b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom"
    hdlr = b"\x00\x00\x00\x21hdlr\x00\x00\x00\x00\x00\x00\x00\x00soun" + b"\x00" * 13
    return ftyp + hdlr + b"\x00" * 64


def mp4_video() -> bytes:
    """An MP4 with a video track: not accepted (photos and voice notes only)."""
    ftyp = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    hdlr = b"\x00\x00\x00\x21hdlr\x00\x00\x00\x00\x00\x00\x00\x00vide" + b"\x00" * 13
    return ftyp + hdlr + b"\x00" * 64


def amr(size: int = 200) -> bytes:
    return b"#!AMR\n" + b"\x3c" * (size - 6)
