"""Names as people search them: without diacritics, case or extra spaces."""
import unicodedata


def search_key(text: str | None) -> str:
    """ "Nguyễn  Văn An" -> "nguyen van an": what a search typed with or without
    diacritics matches (đ is a letter of its own, not a d with a mark: mapped by hand)."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    bare = "".join(ch for ch in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFC", bare).casefold().split())


# The Vietnamese alphabet (with the foreign f, j, w, z where people's names use them):
# ă, â follow a; đ follows d; ê follows e; ô, ơ follow o; ư follows u.
_LETTERS = {ch: i for i, ch in enumerate("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")}
_SHAPES = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter
# The tones, in dictionary order (as ICU's "vi" collation): ngang, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def sort_key(text: str | None):
    """Vietnamese alphabetical order: letters first (d before đ, a before ă before â), then
    tones, then the text itself; what PostgreSQL's ICU collation "vi-x-icu" does, for
    SQLite (registered there as the collation "vi")."""
    letters, tones = [], []
    for ch in unicodedata.normalize("NFC", text or "").casefold():
        parts = unicodedata.normalize("NFD", ch)
        letter = unicodedata.normalize("NFC", parts[0] + "".join(
            m for m in parts[1:] if m in _SHAPES))
        rank = _LETTERS.get(letter)
        letters.append((1, rank) if rank is not None else (0, ord(letter)))
        tones.append(max((_TONES.get(m, 0) for m in parts[1:]), default=0))
    return tuple(letters), tuple(tones), text or ""


def collate(a: str, b: str) -> int:
    """SQLite's collation function (sqlite3 create_collation)."""
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)
