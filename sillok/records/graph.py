"""A record's links as a small graph, laid out on the server as inline SVG: the record in the
centre, the records it is linked with on one or two rings around it, each labelled and linked
to its page. No JavaScript, and nothing the page's CSP forbids (classes, no style attributes).

Several links to the same record make one node whose tooltip names every relation. Beyond
`MAX_NODES` the graph says how many more there are; the list beside it has them all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

MAX_NODES = 40
WIDTH, HEIGHT = 760, 560
CENTRE = (WIDTH / 2, HEIGHT / 2)
NODE_R, CENTRE_R = 9, 16
INNER_CAPACITY = 14
RINGS = (170, 245)
LABEL_CHARS = 22


@dataclass
class GraphNode:
    key: tuple[str, int]
    kind: str
    ref: str
    label: str
    url: str = ""
    relations: list[str] = field(default_factory=list)
    outgoing: bool = False
    incoming: bool = False


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _positions(count: int) -> list[tuple[float, float, float]]:
    """(x, y, angle) of `count` nodes: one ring up to INNER_CAPACITY, else two, staggered."""
    inner = count if count <= INNER_CAPACITY else max(INNER_CAPACITY, math.ceil(count * 0.4))
    rings = [(RINGS[0], inner, 0.0)]
    if count > inner:
        rings.append((RINGS[1], count - inner, math.pi / (count - inner)))
    out = []
    for radius, n, offset in rings:
        for i in range(n):
            angle = -math.pi / 2 + offset + 2 * math.pi * i / n
            out.append(
                (CENTRE[0] + radius * math.cos(angle), CENTRE[1] + radius * math.sin(angle), angle)
            )
    return out


def _edge(x: float, y: float, node: GraphNode) -> str:
    dx, dy = x - CENTRE[0], y - CENTRE[1]
    length = math.hypot(dx, dy) or 1
    x1, y1 = CENTRE[0] + dx / length * CENTRE_R, CENTRE[1] + dy / length * CENTRE_R
    x2, y2 = x - dx / length * (NODE_R + 2), y - dy / length * (NODE_R + 2)
    markers = ""
    if node.outgoing:
        markers += ' marker-end="url(#graph-arrow)"'
    if node.incoming:
        markers += ' marker-start="url(#graph-arrow-back)"'
    return (
        f'<line class="g-edge" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"{markers}/>'
    )


def _label(x: float, y: float, angle: float, text: str) -> str:
    cos, sin = math.cos(angle), math.sin(angle)
    if cos > 0.35:
        anchor, lx, ly = "start", x + NODE_R + 4, y + 4
    elif cos < -0.35:
        anchor, lx, ly = "end", x - NODE_R - 4, y + 4
    else:
        anchor, lx, ly = "middle", x, y + (NODE_R + 14 if sin > 0 else -NODE_R - 6)
    return (
        f'<text class="g-label" x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}">'
        f"{escape(_short(text))}</text>"
    )


def _node(x: float, y: float, angle: float, node: GraphNode) -> str:
    tooltip = escape(f"{node.ref} {node.label} — {'; '.join(node.relations)}")
    body = (
        f"<title>{tooltip}</title>"
        f'<circle class="g-node kind-{escape(node.kind)}" cx="{x:.1f}" cy="{y:.1f}" r="{NODE_R}"/>'
        + _label(x, y, angle, f"{node.ref} {node.label}")
    )
    if node.url:
        return f'<a href="{escape(node.url)}">{body}</a>'
    return f"<g>{body}</g>"


def merge_nodes(nodes: list[GraphNode]) -> list[GraphNode]:
    """One node per other record, with every relation to it."""
    merged: dict[tuple[str, int], GraphNode] = {}
    for node in nodes:
        existing = merged.get(node.key)
        if existing is None:
            merged[node.key] = node
            continue
        existing.relations += node.relations
        existing.outgoing |= node.outgoing
        existing.incoming |= node.incoming
    return list(merged.values())


def link_graph_svg(
    centre_kind: str, centre_ref: str, centre_label: str, nodes: list[GraphNode]
) -> SafeString:
    """The SVG of a record (the centre) and the records linked with it."""
    nodes = merge_nodes(nodes)
    shown, rest = nodes[:MAX_NODES], len(nodes) - MAX_NODES
    # Outside the f-string below: makemessages cannot see a gettext call inside one.
    title = _("Links of %(ref)s") % {"ref": centre_ref}
    parts = [
        f'<svg class="link-graph" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="graph-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="graph-title">{escape(title)}</title>',
        "<defs>"
        '<marker id="graph-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path class="g-arrow" d="M0,0 L10,5 L0,10 z"/></marker>'
        '<marker id="graph-arrow-back" viewBox="0 0 10 10" refX="1" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path class="g-arrow" d="M10,0 L0,5 L10,10 z"/></marker>'
        "</defs>",
    ]
    positions = _positions(len(shown))
    parts += [_edge(x, y, node) for (x, y, _a), node in zip(positions, shown, strict=True)]
    parts += [_node(x, y, a, node) for (x, y, a), node in zip(positions, shown, strict=True)]
    cx, cy = CENTRE
    parts.append(
        f'<g><circle class="g-centre kind-{escape(centre_kind)}" '
        f'cx="{cx}" cy="{cy}" r="{CENTRE_R}"/>'
        f'<text class="g-label g-centre-label" x="{cx}" y="{cy + CENTRE_R + 16}" '
        f'text-anchor="middle">{escape(_short(f"{centre_ref} {centre_label}", 32))}</text></g>'
    )
    if rest > 0:
        more = _("and %(count)d more (see the list)") % {"count": rest}
        parts.append(f'<text class="g-more" x="10" y="{HEIGHT - 10}">{escape(more)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()
