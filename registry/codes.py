"""GB/T 30428 16-digit component codes: county (6) + class (2) + subclass (2) + serial (6).

>>> make_codes("130102", "0104", 41, 2)
['1301020104000041', '1301020104000042']
>>> parse_code("1301020104000041")
{'county': '130102', 'major': '01', 'subclass': '04', 'serial': 41}
"""
from __future__ import annotations

from registry.errors import Conflict, InvalidInput

MAX_SERIAL = 999_999


def make_codes(county: str, class_code: str, first_serial: int, n: int) -> list[str]:
    """`n` consecutive codes of one class starting at `first_serial`."""
    last = first_serial + n - 1
    if last > MAX_SERIAL:
        raise Conflict(f"GB/T class {class_code} in county {county} has no serials left "
                       f"(needs up to {last}, the standard allows {MAX_SERIAL})")
    prefix = county + class_code
    return [f"{prefix}{serial:06d}" for serial in range(first_serial, last + 1)]


def parse_code(code: str) -> dict:
    """The parts of a 16-digit component code; InvalidInput if it is not one."""
    if len(code) != 16 or not code.isdigit():
        raise InvalidInput(f"{code!r} is not a 16-digit GB/T 30428 component code")
    return {"county": code[:6], "major": code[6:8], "subclass": code[8:10],
            "serial": int(code[10:])}
