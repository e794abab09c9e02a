"""Small inline-SVG plots for the self-contained HTML reports (no JavaScript, no external assets)."""

from __future__ import annotations

from html import escape

PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def hbar(title: str, rows: list[tuple[str, float]], fmt: str = "{:,.0f}", width: int = 560, css: str = "") -> str:
    """Horizontal bars, one per (label, value)."""
    bar_h, gap, label_w = 18, 6, 230
    height = 28 + len(rows) * (bar_h + gap)
    top = max((v for _, v in rows), default=0) or 1
    parts = [
        f'<svg class="plot {css}" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="0" y="16" class="title">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(rows):
        y = 28 + i * (bar_h + gap)
        w = max(1.0, (width - label_w - 90) * value / top)
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" class="label">{escape(short)}</text>')
        parts.append(
            f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color(i)}">'
            f"<title>{escape(label)}: {escape(fmt.format(value))}</title></rect>"
        )
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" class="value">{escape(fmt.format(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def scatter(title: str, points: list[dict], groups: list[str], width: int = 560, height: int = 380) -> str:
    """A 2-D scatter of ``points`` ({x, y, group index}) with a legend of ``groups``."""
    pad, legend_w = 24, 190
    height = max(height, 2 * pad + 8 + 18 * len(groups))  # the legend names every group
    plot_w = width - legend_w - pad
    parts = [
        f'<svg class="plot scatter" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="0" y="16" class="title">{escape(title)}</text>',
        f'<rect x="{pad}" y="{pad}" width="{plot_w - pad}" height="{height - 2 * pad}" class="frame"/>',
    ]
    if points:
        xs = [p["x"] for p in points]
        ys = [p["y"] for p in points]
        x0, x1 = min(xs), max(xs)
        y0, y1 = min(ys), max(ys)
        sx = (plot_w - 2 * pad - 8) / ((x1 - x0) or 1)
        sy = (height - 3 * pad - 8) / ((y1 - y0) or 1)
        for p in points:
            cx = pad + 4 + (p["x"] - x0) * sx
            cy = height - pad - 4 - (p["y"] - y0) * sy
            parts.append(
                f'<circle class="dot" cx="{cx:.1f}" cy="{cy:.1f}" r="2.6" fill="{color(p["group"])}" fill-opacity="0.75"/>'
            )
    for i, name in enumerate(groups):
        y = pad + 8 + i * 18
        parts.append(f'<rect x="{plot_w + 8}" y="{y - 9}" width="10" height="10" fill="{color(i)}"/>')
        short = name if len(name) <= 26 else name[:25] + "…"
        parts.append(
            f'<text x="{plot_w + 24}" y="{y}" class="label legend"><title>{escape(name)}</title>{escape(short)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
