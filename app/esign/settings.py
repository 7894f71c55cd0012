"""What the signing package needs to know, read once from the app's settings mapping.

Kept as a plain frozen dataclass so the package never imports Flask: the services build
it from ``current_app.config`` with :meth:`EsignSettings.from_config`.
"""
import re
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
DEFAULT_ITALIC_FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf"


def _paths(value) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value if v)
    # commas or spaces: a ':' would cut the URLs
    return tuple(p for p in re.split(r"[,\s]+", str(value)) if p)


@dataclass(frozen=True)
class EsignSettings:
    # PEM/DER files or directories of them: the công vụ root and sub-CAs, optionally the
    # national public root, the demo CA in the demo.
    trust_roots: tuple[str, ...] = ()
    # Certificates that may complete a chain but are not trusted by themselves.
    intermediates: tuple[str, ...] = ()
    # CRL files (DER or PEM) and CRL URLs the operator configured: the only revocation data
    # the package ever reads besides what a file embeds.
    crl_sources: tuple[str, ...] = ()
    # "soft-fail" (no data = accepted), "hard-fail" (data present must say good) or
    # "require" (no data = refused).
    revocation_mode: str = "soft-fail"
    # The OCSP responder the operator configured (the công vụ CA's), asked about a
    # certificate whose issuer is known here; never the responder a certificate names.
    ocsp_url: str = ""
    # RFC 3161 timestamp authority (configured endpoint), empty = no timestamps.
    tsa_url: str = ""
    # "" (B-T / B-B), "LT" (embed the revocation data used) or "LTA" (LT + document
    # timestamp; needs a TSA).
    long_term: str = ""
    # The font for filled fields and text stamps; rescaled to 1000 units/em when needed.
    font_path: str = DEFAULT_FONT
    # The place-and-date line is italic (NĐ 30 Phụ lục I).
    italic_font_path: str = DEFAULT_ITALIC_FONT
    # PKCS#12 key files are for the demo and development only.
    allow_pkcs12: bool = True
    verify_max_bytes: int = 20 * 1024 * 1024
    verify_seconds: float = 15.0
    fetch_timeout: float = 5.0
    timezone: str = "Asia/Ho_Chi_Minh"
    extra: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_config(cls, config) -> "EsignSettings":
        production = config.get("ENV_NAME") == "production"
        return cls(
            trust_roots=_paths(config.get("SIGNING_TRUST_ROOTS")),
            intermediates=_paths(config.get("SIGNING_INTERMEDIATES")),
            crl_sources=_paths(config.get("SIGNING_CRLS")),
            revocation_mode=config.get("SIGNING_REVOCATION_MODE") or "soft-fail",
            ocsp_url=config.get("SIGNING_OCSP_URL") or "",
            tsa_url=config.get("SIGNING_TSA_URL") or "",
            long_term=(config.get("SIGNING_LONG_TERM") or "").upper(),
            font_path=config.get("SIGNING_FONT") or DEFAULT_FONT,
            italic_font_path=config.get("SIGNING_ITALIC_FONT") or DEFAULT_ITALIC_FONT,
            allow_pkcs12=not production,
            verify_max_bytes=int(config.get("SIGNING_VERIFY_MAX_MB") or 20) * 1024 * 1024,
            verify_seconds=float(config.get("SIGNING_VERIFY_SECONDS") or 15),
            timezone=config.get("TIMEZONE") or "Asia/Ho_Chi_Minh",
        )

    def root_files(self) -> list[Path]:
        return _expand(self.trust_roots)

    def intermediate_files(self) -> list[Path]:
        return _expand(self.intermediates)


def _expand(entries) -> list[Path]:
    files = []
    for entry in entries:
        path = Path(entry)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir()
                                if p.suffix.lower() in {".pem", ".crt", ".cer", ".der"}))
        elif path.exists():
            files.append(path)
    return files
