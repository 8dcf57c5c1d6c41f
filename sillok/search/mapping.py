"""A map of search hits by place, drawn on the server as inline SVG.

No tiles, no web fonts, no requests to anywhere: the repository is used offline and on
sensitive networks, and the page's CSP allows nothing external. The map is an equirectangular
projection of a box around the Korean peninsula (widened to fit any point outside it), with
one circle per place sized by its number of hits, each circle a link that adds the place
filter. A coarse outline of the DPRK and a few cities (and gazetteer provinces that have
coordinates) are drawn faintly for orientation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# The DPRK and the north of the peninsula (lon, lat); results outside widen the box.
DEFAULT_BOX = (124.0, 37.5, 131.0, 43.1)
WIDTH, HEIGHT = 480, 420
MARGIN = 28
MIN_R, MAX_R = 5.0, 22.0
LABEL_CHARS = 18
MAX_LABELS = 12


# A coarse outline of the DPRK (lat, lon), for orientation only: the Yalu and Tumen rivers,
# the east coast, the Military Demarcation Line and the west coast, a few dozen kilometres
# accurate at best. Not a boundary of record.
OUTLINE = (
    (39.82, 124.32), (40.10, 124.40), (40.45, 124.90), (40.90, 125.60), (41.15, 126.30),
    (41.55, 126.90), (41.75, 127.30), (41.45, 128.10), (41.85, 128.20), (42.00, 128.05),
    (42.10, 128.90), (42.45, 129.40), (42.90, 129.75), (42.75, 130.25), (42.30, 130.68),
    (42.25, 130.30), (41.80, 129.80), (41.40, 129.65), (40.67, 129.20), (40.40, 128.70),
    (39.90, 127.90), (39.80, 127.55), (39.30, 127.50), (39.15, 127.45), (38.95, 127.55),
    (38.60, 128.35), (38.30, 127.90), (38.25, 127.20), (37.95, 126.70), (37.75, 126.55),
    (37.70, 126.10), (37.75, 125.60), (37.70, 125.30), (38.05, 124.70), (38.25, 124.90),
    (38.60, 125.15), (38.75, 125.35), (39.20, 125.10), (39.50, 124.90), (39.60, 124.60),
)  # fmt: skip
# Cities for orientation (lat, lon, English, Korean).
CITIES = (
    (39.03, 125.75, "Pyongyang", "평양"),
    (40.10, 124.40, "Sinuiju", "신의주"),
    (39.92, 127.54, "Hamhung", "함흥"),
    (41.79, 129.78, "Chongjin", "청진"),
    (41.39, 128.19, "Hyesan", "혜산"),
    (39.15, 127.44, "Wonsan", "원산"),
    (37.97, 126.55, "Kaesong", "개성"),
    (42.26, 130.30, "Rason", "라선"),
)


def reference_cities(korean: bool = False) -> list[MapPoint]:
    return [MapPoint(0, ko if korean else en, lat, lon) for lat, lon, en, ko in CITIES]


@dataclass(frozen=True)
class Box:
    west: float
    south: float
    east: float
    north: float


@dataclass(frozen=True)
class MapPoint:
    id: int
    label: str
    lat: float
    lon: float
    count: int = 0


def fit_box(points: Iterable[tuple[float, float]], default: tuple = DEFAULT_BOX) -> Box:
    """The default box, widened (with a small margin) to contain every (lat, lon) point."""
    west, south, east, north = default
    for lat, lon in points:
        west, east = min(west, lon - 0.3), max(east, lon + 0.3)
        south, north = min(south, lat - 0.3), max(north, lat + 0.3)
    return Box(west, south, east, north)


def project(lat: float, lon: float, box: Box) -> tuple[float, float]:
    """(x, y) in the SVG of a point: equirectangular, with longitudes shrunk by the cosine of
    the box's middle latitude so that the peninsula keeps its shape. North is up."""
    scale_x, scale_y = _scales(box)
    x = MARGIN + (lon - box.west) * scale_x
    y = MARGIN + (box.north - lat) * scale_y
    return round(x, 1), round(y, 1)


def _scales(box: Box) -> tuple[float, float]:
    shrink = math.cos(math.radians((box.north + box.south) / 2))
    span_x = max((box.east - box.west) * shrink, 1e-6)
    span_y = max(box.north - box.south, 1e-6)
    # One scale for both axes (no distortion beyond the projection's own), fitting the frame.
    scale = min((WIDTH - 2 * MARGIN) / span_x, (HEIGHT - 2 * MARGIN) / span_y)
    return scale * shrink, scale


def radius(count: int, largest: int) -> float:
    """Circle radius: area proportional to the count, between MIN_R and MAX_R."""
    if largest <= 0 or count <= 0:
        return MIN_R
    return round(MIN_R + (MAX_R - MIN_R) * math.sqrt(count / largest), 1)


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def hits_map_svg(
    places: list[MapPoint],
    link_for: Callable[[MapPoint], str],
    landmarks: list[MapPoint] | None = None,
) -> SafeString:
    """The SVG of `places` (each with a count) over a coarse outline of the DPRK and faint
    landmark points (cities, provinces) for orientation; "" without places."""
    places = [p for p in places if p.lat is not None and p.lon is not None and p.count > 0]
    if not places:
        return mark_safe("")  # noqa: S308 - empty
    box = fit_box((p.lat, p.lon) for p in places)
    largest = max(p.count for p in places)
    title = _("Map of results by place")
    parts = [
        f'<svg class="hits-map" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="hits-map-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="hits-map-title">{escape(title)}</title>',
        f'<rect class="m-frame" x="0" y="0" width="{WIDTH}" height="{HEIGHT}"/>',
    ]
    outline = " ".join("{},{}".format(*project(lat, lon, box)) for lat, lon in OUTLINE)
    parts.append(f'<polygon class="m-land" points="{outline}"/>')
    for landmark in landmarks or []:
        if landmark.lat is None or landmark.lon is None:
            continue
        x, y = project(landmark.lat, landmark.lon, box)
        if not (0 <= x <= WIDTH and 0 <= y <= HEIGHT):
            continue
        parts.append(
            f'<g class="m-landmark"><circle cx="{x}" cy="{y}" r="2"/>'
            f'<text x="{x}" y="{y - 4}" text-anchor="middle">{escape(_short(landmark.label))}'
            "</text></g>"
        )
    # Largest first, so that small circles stay on top and clickable.
    ordered = sorted(places, key=lambda p: (-p.count, p.label))
    labelled = {p.id for p in ordered[:MAX_LABELS]}
    for place in ordered:
        x, y = project(place.lat, place.lon, box)
        r = radius(place.count, largest)
        tooltip = ngettext(
            "%(place)s: %(count)d result", "%(place)s: %(count)d results", place.count
        ) % {"place": place.label, "count": place.count}
        body = (
            f"<title>{escape(tooltip)}</title>"
            f'<circle class="m-hit" cx="{x}" cy="{y}" r="{r}"/>'
            f'<text class="m-count" x="{x}" y="{y + 4}" text-anchor="middle">{place.count}</text>'
        )
        if place.id in labelled:
            body += (
                f'<text class="m-label" x="{x + r + 3}" y="{y + 4}">'
                f"{escape(_short(place.label))}</text>"
            )
        parts.append(f'<a href="{escape(link_for(place))}" class="m-place">{body}</a>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()
