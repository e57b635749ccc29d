"""A QR code as a PNG image (segno: pure Python, no image library needed)."""

from __future__ import annotations

import io


def qr_png(text: str, *, scale: int = 8) -> bytes:
    import segno

    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
