"""Numbers as Vietnamese writes them, for the processes' own messages (workflows/ imports
nothing of the application; app.docgen.text and the pages' ``figure`` filter use this one)."""
from decimal import Decimal


def figure(value) -> str:
    """120 → '120'; 1500 → '1.500'; 99.5 → '99,5'; 70.00 → '70': Vietnamese groups
    thousands with a dot and writes decimals after a comma."""
    text = f"{Decimal(str(value)).normalize():f}"
    whole, _, decimals = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-') or 0):,}".replace(",", ".")
    return sign + whole + ("," + decimals if decimals else "")


def percent(value) -> str:
    """66.67 → '66,67%': a share as the pages write it."""
    return f"{figure(value)}%"
