"""Maps of metropolitan départements drawn as SVG paths, for a choropleth of members per département.

The outlines (INSEE, IGN Admin Express, via france-geojson) are read from ``data/`` on first use. The map is
drawn on the server: the page needs no script and no tile server, works offline and under a strict CSP, and
the same numbers stay readable in the table beside it.

The projection is equirectangular, with longitudes shrunk by the cosine of the shown area's mean latitude: at
the scale of a few départements it keeps shapes as people know them, without a projection library.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

ATTRIBUTION = "Source : INSEE, IGN Admin Express, via france-geojson (Grégoire David)"

# The map's width in SVG units; the height follows the shown area's shape.
WIDTH = 600.0
# Share of the width left around the départements that hold members, so their neighbours show for context.
MARGIN = 0.08
# Number of colour classes of the choropleth (class 0 is "no member").
CLASSES = 5

Ring = list[tuple[float, float]]


@dataclass(frozen=True)
class Outline:
    code: str
    name: str
    polygons: tuple[tuple[Ring, ...], ...]  # each polygon: its outer ring, then its holes

    def bounds(self) -> tuple[float, float, float, float]:
        xs = [x for polygon in self.polygons for ring in polygon for x, _ in ring]
        ys = [y for polygon in self.polygons for ring in polygon for _, y in ring]
        return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    path: str  # SVG path data in the map's units
    value: int
    level: int  # 0 (no member) to CLASSES
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Legend:
    level: int
    low: int
    high: int


@dataclass(frozen=True)
class ChoroplethMap:
    width: float
    height: float
    shapes: tuple[Shape, ...]
    legend: tuple[Legend, ...]
    # Départements with a value but no outline here (overseas), shown beside the map.
    off_map: tuple[tuple[str, int], ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"


@cache
def outlines() -> dict[str, Outline]:
    raw = resources.files("grappe.france").joinpath("data/departements-contours.json.gz").read_bytes()
    data = json.loads(gzip.decompress(raw))
    return {
        code: Outline(
            code=code,
            name=item["nom"],
            polygons=tuple(
                tuple([(float(x), float(y)) for x, y in ring] for ring in polygon)
                for polygon in item["polygones"]
            ),
        )
        for code, item in data.items()
    }


def level(value: int, top: int) -> int:
    """The colour class of ``value`` on a scale whose darkest class holds ``top``: 0 only for no member.

    Classes follow the square root of the share of the top value: member counts per département are very
    uneven (one home département often holds half the members), and a linear scale would paint every other
    département in the palest class."""
    if value <= 0 or top <= 0:
        return 0
    share = math.sqrt(min(value, top) / top)
    return max(1, math.ceil(share * CLASSES))


def legend(top: int) -> tuple[Legend, ...]:
    """The range of values each class covers for this ``top`` (classes that no whole number falls in are left
    out, so a legend never shows an empty range)."""
    bounds: dict[int, list[int]] = {}
    for value in range(1, top + 1) if top <= 2000 else _sampled(top):
        bounds.setdefault(level(value, top), []).append(value)
    return tuple(
        Legend(level=lvl, low=min(values), high=max(values)) for lvl, values in sorted(bounds.items())
    )


def _sampled(top: int) -> Iterable[int]:
    # For a large top, the class boundaries are where the square-root scale crosses each step.
    edges = {1, top}
    for step in range(1, CLASSES):
        edge = (step / CLASSES) ** 2 * top
        edges.update({math.floor(edge), math.floor(edge) + 1, math.ceil(edge) + 1})
    return sorted(v for v in edges if 1 <= v <= top)


def choropleth(values: Mapping[str, int], *, context: Iterable[str] = ()) -> ChoroplethMap | None:
    """A map framed on the départements holding a value (and those of ``context``, e.g. a staff member's
    territory), with every département whose outline enters the frame drawn for context.

    None when no département with a value or in ``context`` has an outline (nothing to frame)."""
    known = outlines()
    framed = [known[code] for code in sorted(set(values) | set(context)) if code in known]
    if not framed:
        return None
    boxes = [outline.bounds() for outline in framed]
    west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
    shrink = math.cos(math.radians((south + north) / 2))
    pad_x, pad_y = (east - west) * MARGIN + 0.05, (north - south) * MARGIN + 0.05
    west, east, south, north = west - pad_x, east + pad_x, south - pad_y, north + pad_y
    scale = WIDTH / ((east - west) * shrink)
    height = (north - south) * scale

    def project(x: float, y: float) -> tuple[float, float]:
        return (x - west) * shrink * scale, (north - y) * scale

    top = max(values.values(), default=0)
    shapes = []
    for outline in known.values():
        b = outline.bounds()
        if b[2] < west or b[0] > east or b[3] < south or b[1] > north:
            continue
        value = values.get(outline.code, 0)
        cx, cy = project((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
        shapes.append(
            Shape(
                code=outline.code,
                name=outline.name,
                path=_path(outline, project),
                value=value,
                level=level(value, top),
                label_x=round(cx, 1),
                label_y=round(cy, 1),
            )
        )
    off_map = tuple(sorted((code, n) for code, n in values.items() if code not in known and n))
    return ChoroplethMap(
        width=WIDTH, height=round(height, 1), shapes=tuple(shapes), legend=legend(top), off_map=off_map
    )


def _path(outline: Outline, project: Callable[[float, float], tuple[float, float]]) -> str:
    parts = []
    for polygon in outline.polygons:
        for ring in polygon:
            points: list[str] = []
            for x, y in ring:
                px, py = project(x, y)
                point = f"{px:.1f} {py:.1f}"
                if not points or points[-1] != point:
                    points.append(point)
            if len(points) >= 3:
                parts.append("M" + "L".join(points) + "Z")
    return "".join(parts)
