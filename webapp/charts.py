"""Accessible SVG charts drawn from the read models' figures, with their numbers as a table.

Each chart is one `<figure>`: an SVG (`role="img"`, with a title and a description a screen
reader announces) and, beside it, a table of the same numbers, so nobody needs to read the
drawing. Categories are told apart by their label and a fill pattern, never by colour alone, and a
category keeps its colour and pattern on every chart (pages and reports). The SVG uses
presentation attributes only (no style attributes or elements), so a strict Content Security
Policy allows it. Callers pass labels and number texts already in the reader's language; this
module knows no language and no Flask, so the web pages and the accountability report share it.
"""

import re
from dataclasses import dataclass
from itertools import count

from markupsafe import Markup, escape

# Colour and pattern per category and side: dark enough for 3:1 against white (WCAG 1.4.11).
STYLES = {
    "service_user": ("#1f5a96", "solid"),
    "carer": ("#1b6e3c", "stripes"),
    "community": ("#7b3f8c", "dots"),
    "professional": ("#a8470c", "grid"),
    "manager": ("#5c5200", "lines"),
    "lived_experience": ("#1f5a96", "solid"),
    "provider": ("#a8470c", "grid"),
}
DEFAULT_STYLE = ("#4a4a4a", "solid")
INK, RULE = "#1a1a1a", "#767676"
ROW, BAR, GAP, LEFT, PLOT_WIDTH = 76, 20, 4, 8, 340


@dataclass(frozen=True)
class Value:
    """One number: its fraction of the whole (0..1, or None when undefined), the text a reader
    sees for it, and optionally where the events behind it are listed."""

    fraction: float | None
    text: str
    href: str | None = None


@dataclass(frozen=True)
class Pair:
    """One row of a paired-bar chart: a category (or side) with two values side by side."""

    key: str
    label: str
    first: Value
    second: Value


@dataclass(frozen=True)
class Line:
    """One line of a line chart: a value per point, in the order of the x labels."""

    key: str
    label: str
    values: list[Value]


_ids = count(1)


def paired_bars(*, title: str, description: str, rows: list[Pair], first: str, second: str,
                key_heading: str, chart_id: str | None = None) -> Markup:
    """Two bars per row (say membership share, then influence share) under the row's label,
    each 0..1 of the width. The first bar is light (outline and pattern), the second solid with
    the same pattern in white."""
    chart_id = _identifier(chart_id or f"chart{next(_ids)}")
    for row in rows:
        _identifier(row.key)
    height = ROW * len(rows) + 34
    width = LEFT + PLOT_WIDTH + 60
    parts = [_svg_open(chart_id, width, height, title, description), _patterns(chart_id, rows)]
    for n, row in enumerate(rows):
        y = 6 + n * ROW
        colour, _ = STYLES.get(row.key, DEFAULT_STYLE)
        pattern = f"url(#{chart_id}-{row.key})"
        inverse = f"url(#{chart_id}-{row.key}-inverse)"
        parts.append(_text(LEFT, y + 14, row.label, anchor="start", weight="bold"))
        for k, value in enumerate((row.first, row.second)):
            top = y + 20 + k * (BAR + GAP)
            length = 0 if value.fraction is None else max(1.0, value.fraction * PLOT_WIDTH)
            box = f'x="{LEFT}" y="{top}" width="{length:.1f}" height="{BAR}"'
            if k == 0:  # light: outline and pattern in the category's colour
                parts.append(f'<rect {box} fill="#ffffff" stroke="{colour}" stroke-width="2"/>')
                parts.append(f'<rect {box} fill="{pattern}" fill-opacity="0.45"/>')
            else:  # solid: the category's colour with the pattern in white over it
                parts.append(f'<rect {box} fill="{colour}"/>')
                parts.append(f'<rect {box} fill="{inverse}"/>')
            parts.append(_text(LEFT + length + 4, top + BAR - 5, _short(value), anchor="start"))
    parts.append(_legend(chart_id, height - 8, first, second))
    parts.append("</svg>")
    table = _table(chart_id, title, key_heading, [first, second],
                   [(row.label, [row.first, row.second]) for row in rows])
    return _figure(chart_id, "".join(parts), table)


def line_chart(*, title: str, description: str, points: list[str], lines: list[Line],
               point_heading: str, chart_id: str | None = None) -> Markup:
    """Values 0..1 over a sequence of points (say each closed decision), one line per series;
    lines differ by dash and marker shape as well as colour."""
    chart_id = _identifier(chart_id or f"chart{next(_ids)}")
    left, top, plot_w, plot_h = 44, 12, 380, 170
    width, height = left + plot_w + 20, top + plot_h + 60
    step = plot_w / max(1, len(points) - 1)
    parts = [_svg_open(chart_id, width, height, title, description)]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = top + plot_h * (1 - tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                     f'stroke="#d0d0d0"/>')
        parts.append(_text(left - 6, y + 4, f"{tick:g}", anchor="end"))
    dashes = ("", ' stroke-dasharray="6 4"', ' stroke-dasharray="2 3"')
    for n, line in enumerate(lines):
        colour = ("#1f5a96", "#a8470c", "#1b6e3c")[n % 3]
        xy = [(left + i * step, top + plot_h * (1 - v.fraction))
              for i, v in enumerate(line.values) if v.fraction is not None]
        if len(xy) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                         f'stroke-width="2.5"{dashes[n % 3]}/>')
        for x, y in xy:
            parts.append(_marker(n, x, y, colour))
        ly = top + plot_h + 28 + 16 * (n // 2)
        lx = left + (n % 2) * 200
        parts.append(_marker(n, lx + 6, ly - 4, colour))
        parts.append(_text(lx + 16, ly, line.label, anchor="start"))
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
                 f'y2="{top + plot_h}" stroke="{RULE}"/>')
    parts.append("</svg>")
    table = _table(chart_id, title, point_heading, [line.label for line in lines],
                   [(point, [line.values[i] for line in lines])
                    for i, point in enumerate(points)])
    return _figure(chart_id, "".join(parts), table)


def _identifier(value: str) -> str:
    """Ids and keys become element ids: only plain identifiers are accepted."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,63}", value):
        raise ValueError(f"not a plain identifier: {value!r}")
    return value


def _svg_open(chart_id: str, width: int, height: int, title: str, description: str) -> str:
    return (f'<svg class="chart-drawing" role="img" viewBox="0 0 {width} {height}" '
            f'width="100%" preserveAspectRatio="xMinYMin meet" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
            f'font-family="DejaVu Sans, sans-serif" font-size="13">'
            f'<title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(description)}</desc>')


def _patterns(chart_id: str, rows: list[Pair]) -> str:
    """A pattern per row's key, and its inverse (white marks) to lay over a solid bar."""
    defs = []
    for row in rows:
        colour, kind = STYLES.get(row.key, DEFAULT_STYLE)
        for suffix, ink in (("", colour), ("-inverse", "#ffffff")):
            defs.append(f'<pattern id="{chart_id}-{row.key}{suffix}" width="8" height="8" '
                        f'patternUnits="userSpaceOnUse">{_marks(kind, ink, suffix)}</pattern>')
    return "<defs>" + "".join(defs) + "</defs>"


def _marks(kind: str, ink: str, suffix: str) -> str:
    if kind == "stripes":
        return f'<path d="M-2,10 L10,-2 M-2,2 L2,-2 M6,10 L10,6" stroke="{ink}" stroke-width="2"/>'
    if kind == "dots":
        return f'<circle cx="4" cy="4" r="1.8" fill="{ink}"/>'
    if kind == "grid":
        return f'<path d="M0,4 H8 M4,0 V8" stroke="{ink}" stroke-width="1.5"/>'
    if kind == "lines":
        return f'<path d="M0,2 H8 M0,6 H8" stroke="{ink}" stroke-width="1.5"/>'
    # solid: the light bar is filled evenly, the solid bar needs no marks
    return "" if suffix else f'<rect width="8" height="8" fill="{ink}"/>'


def _legend(chart_id: str, y: int, first: str, second: str) -> str:
    return (f'<rect x="{LEFT}" y="{y - 10}" width="14" height="12" fill="#ffffff" '
            f'stroke="{INK}" stroke-width="2"/>'
            + _text(LEFT + 20, y, first, anchor="start")
            + f'<rect x="{LEFT + 170}" y="{y - 10}" width="14" height="12" fill="{INK}"/>'
            + _text(LEFT + 190, y, second, anchor="start"))


def _marker(n: int, x: float, y: float, colour: str) -> str:
    if n % 2:
        return (f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#ffffff" '
                f'stroke="{colour}" stroke-width="2"/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/>'


def _text(x: float, y: float, text: str, *, anchor: str, weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{INK}">{escape(text)}</text>')


def _short(value: Value) -> str:
    return "—" if value.fraction is None else f"{round(value.fraction * 100)} %"


def _table(chart_id: str, title: str, key_heading: str, headings: list[str],
           rows: list[tuple[str, list[Value]]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in [key_heading, *headings])
    body = "".join(
        f'<tr><th scope="row">{escape(label)}</th>'
        + "".join(f"<td>{_cell(v)}</td>" for v in values) + "</tr>"
        for label, values in rows)
    return (f'<table class="chart-numbers" id="{chart_id}-numbers"><caption>{escape(title)}'
            f'</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def _cell(value: Value) -> str:
    if value.href:
        return f'<a href="{escape(value.href)}">{escape(value.text)}</a>'
    return str(escape(value.text))


def _figure(chart_id: str, svg: str, table: str) -> Markup:
    return Markup(f'<figure class="chart" id="{chart_id}"><div class="chart-svg">{svg}</div>'
                  f"{table}</figure>")
