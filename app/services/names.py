"""Names as a search compares them: "nguyen van an" finds "Nguyễn Văn An"."""
import unicodedata


def search_key(name: str) -> str:
    """Lower case, without diacritics (đ → d), whitespace collapsed."""
    text = unicodedata.normalize("NFD", (name or "").replace("Đ", "d").replace("đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return " ".join(text.casefold().split())
