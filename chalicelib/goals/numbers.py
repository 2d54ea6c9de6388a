"""How numbers leave the progress and statistics computations: without binary floating-point
noise. Sums of decimal values are inexact in binary (0.1 + 2.2 is 2.3000000000000003); every
number is cut to 12 significant digits on its way out, which keeps every digit a person
entered (values are at most 1e12 and at least a millionth) and drops the noise, which sits
in the 16th or 17th digit and grows only slowly with the number of values summed."""

from typing import Any

SIGNIFICANT_DIGITS = 12


def tidy(value: Any) -> Any:
    """`value` with every float in it (through dicts and lists) cut to 12 significant
    digits; everything else unchanged."""
    if isinstance(value, float):
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    if isinstance(value, dict):
        return {key: tidy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [tidy(item) for item in value]
    return value
