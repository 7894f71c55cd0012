"""The font for filled fields and text stamps.

pyHanko 0.38 writes glyph widths in font units: with a font of 2048 units/em (Times New
Roman, Liberation Serif, Tinos) every glyph is drawn about twice as far apart
(E-ISSUING.md §4.3 pitfall 1). The configured font is therefore rescaled once to 1000
units/em and cached next to the temporary files; a 1000-unit font is used as is.
"""
import hashlib
import tempfile
import threading
from functools import lru_cache
from io import BytesIO
from pathlib import Path

_lock = threading.Lock()
_cache: dict[str, str] = {}


def font_1000(path: str) -> str:
    with _lock:
        if path in _cache:
            return _cache[path]
        from fontTools.ttLib import TTFont
        from fontTools.ttLib.scaleUpem import scale_upem

        data = Path(path).read_bytes()
        font = TTFont(BytesIO(data))
        if font["head"].unitsPerEm == 1000:
            _cache[path] = path
            return path
        target = Path(tempfile.gettempdir()) / "tdkt-esign-fonts" / (
            hashlib.sha256(data).hexdigest()[:20] + ".ttf")
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            scale_upem(font, 1000)
            if "FFTM" in font:  # FontForge's timestamps: the subsetter would warn on each use
                del font["FFTM"]
            partial = target.with_suffix(".part")
            font.save(str(partial))
            partial.replace(target)
        _cache[path] = str(target)
        return str(target)


@lru_cache(maxsize=4)
def font_bytes(path: str) -> bytes:
    return Path(path).read_bytes()
