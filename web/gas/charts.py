"""Charts of the gas dashboard as inline SVG, drawn on the server: no chart library, no CDN.

Every bar carries its value in ``data-value`` so a test (or a screen reader's user) reads
the same number the picture shows.

>>> svg = bar_chart([("和平小区", 26.2), ("维明北区", 24.7)], "#e6550d", title="风险")
>>> svg.count("<rect"), 'data-value="26.2"' in svg
(2, True)
"""
from __future__ import annotations

from html import escape
from typing import Mapping, Sequence

WIDTH = 460
LABEL_W, ROW_H, BAR_H = 130, 24, 16
#: Colours of the safety-valve states, as on the map's valve layer.
STATUS_COLOURS = {"planned": "#bdbdbd", "installed": "#33a02c", "verified": "#006d2c"}


def _svg(height: int, title: str, body: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
            f'width="100%" role="img" aria-label="{escape(title)}">'
            f"<title>{escape(title)}</title>{body}</svg>")


def _label(y: float, text: str) -> str:
    return (f'<text x="{LABEL_W - 6}" y="{y + BAR_H - 4}" text-anchor="end" '
            f'font-size="12">{escape(text)}</text>')


def bar_chart(items: Sequence[tuple[str, float]], colour: str, *, title: str,
              unit: str = "") -> str:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    top = max([v for _, v in items] + [1e-9])
    span = WIDTH - LABEL_W - 90  # room for the value and its unit
    rows = []
    for i, (label, value) in enumerate(items):
        y = 4 + i * ROW_H
        w = span * value / top
        rows.append(_label(y, label) + f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" '
                    f'height="{BAR_H}" fill="{colour}" data-label="{escape(label)}" '
                    f'data-value="{value:g}"/><text x="{LABEL_W + w + 4:.1f}" y="{y + BAR_H - 4}" '
                    f'font-size="12">{value:g}{escape(unit)}</text>')
    return _svg(8 + ROW_H * max(len(items), 1), title, "".join(rows))


def progress_chart(items: Sequence[tuple[str, float, float | None]], *, title: str,
                   target_label: str) -> str:
    """One bar per (label, share done, target share): the share filled, the target marked
    (no mark for a year without a target)."""
    span = WIDTH - LABEL_W - 70
    rows = []
    for i, (label, share, target) in enumerate(items):
        y = 4 + i * (ROW_H + 14)
        rows.append(_label(y, label)
                    + f'<rect x="{LABEL_W}" y="{y}" width="{span}" height="{BAR_H}" fill="#eee"/>'
                    f'<rect x="{LABEL_W}" y="{y}" width="{span * min(share, 1.0):.1f}" '
                    f'height="{BAR_H}" fill="#31a354" data-label="{escape(label)}" '
                    f'data-value="{share:g}"'
                    + (f' data-target="{target:g}"' if target is not None else "") + '/>'
                    f'<text x="{LABEL_W + span + 6}" y="{y + BAR_H - 4}" font-size="12">'
                    f'{share:.1%}</text>' + _target_mark(y, span, target, target_label))
    return _svg(8 + (ROW_H + 14) * max(len(items), 1), title, "".join(rows))


def _target_mark(y: int, span: float, target: float | None, label: str) -> str:
    if target is None:
        return ""
    tx = LABEL_W + span * min(target, 1.0)
    return (f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{y - 3}" y2="{y + BAR_H + 3}" '
            f'stroke="#b10026" stroke-width="2"/><text x="{tx:.1f}" y="{y + BAR_H + 13}" '
            f'text-anchor="middle" font-size="10" fill="#b10026">{escape(label)} {target:.0%}</text>')


def stacked_chart(rows: Sequence[tuple[str, Mapping[str, int]]], colours: Mapping[str, str],
                  names: Mapping[str, str], *, title: str) -> str:
    """One stacked bar per (label, {part: count}), parts in `colours` order, with a legend."""
    top = max([sum(parts.values()) for _, parts in rows] + [1])
    span = WIDTH - LABEL_W - 60
    out = []
    for i, (label, parts) in enumerate(rows):
        y, x = 24 + i * ROW_H, float(LABEL_W)
        out.append(_label(y, label))
        for part, colour in colours.items():
            w = span * parts.get(part, 0) / top
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR_H}" '
                       f'fill="{colour}" data-label="{escape(label)}" data-part="{part}" '
                       f'data-value="{parts.get(part, 0)}"/>')
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + BAR_H - 4}" font-size="12">'
                   f'{sum(parts.values())}</text>')
    legend = "".join(f'<rect x="{LABEL_W + k * 100}" y="2" width="12" height="12" fill="{c}"/>'
                     f'<text x="{LABEL_W + k * 100 + 16}" y="12" font-size="12">'
                     f'{escape(names.get(p, p))}</text>' for k, (p, c) in enumerate(colours.items()))
    return _svg(28 + ROW_H * max(len(rows), 1), title, legend + "".join(out))
