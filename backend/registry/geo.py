"""Geometry of the registry: Vietnam's extent, boundary validation, distances in metres.

Pure functions (no database): the services and the import both use them. Coordinates are WGS84
in GeoJSON order, (lon, lat). Shapely (with numpy, ~15 MB of every process) is imported by
the functions that work on site boundaries, the first time one runs: a house's location check
is plain arithmetic on boxes.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from backend.registry.validation import BBox, Problems

if TYPE_CHECKING:
    from shapely.geometry import MultiPolygon, Polygon

EARTH_RADIUS_M = 6_371_008.8
M_PER_DEG_LAT = math.pi / 180 * EARTH_RADIUS_M  # ≈ 111 195 m

# Vietnam's extent as a few generous boxes rather than one: the mainland with its near islands
# (Phú Quốc, Thổ Chu, Côn Đảo, Bạch Long Vĩ, Cồn Cỏ, Lý Sơn, Phú Quý), and the Hoàng Sa and
# Trường Sa archipelagos. A national border polygon would be exact but needs data we do not
# ship; the point of the check is to catch swapped lat/lon, zeros and typos.
VIETNAM_BOXES = (
    (102.1, 8.1, 109.6, 23.4),  # mainland and near islands
    (111.0, 15.6, 113.0, 17.2),  # Hoàng Sa
    (111.4, 6.2, 117.9, 12.2),  # Trường Sa
)


@cache
def _vietnam():
    """Vietnam's extent as one shapely geometry (for whole boundaries)."""
    from shapely.geometry import box
    from shapely.ops import unary_union

    return unary_union([box(*b) for b in VIETNAM_BOXES])


_REASONS = {
    "self-intersection": "self_intersection",
    "ring self-intersection": "ring_self_intersection",
    "too few points": "too_few_points",
    "hole lies outside shell": "hole_outside_shell",
    "holes are nested": "nested_holes",
    "interior is disconnected": "interior_disconnected",
    "nested shells": "nested_shells",
    "duplicate rings": "duplicate_rings",
    "invalid coordinate": "invalid_coordinate",
    "ring is not closed": "ring_not_closed",
}


def in_vietnam(lon: float, lat: float) -> bool:
    """Whether a point lies within Vietnam's (generous) extent (edges included, as covers())."""
    return any(x0 <= lon <= x1 and y0 <= lat <= y1 for x0, y0, x1, y1 in VIETNAM_BOXES)


def check_location(problems: Problems, lon: float | None, lat: float | None) -> None:
    """Flag a house location outside Vietnam, hinting when lat and lon look swapped."""
    if lon is None or lat is None or in_vietnam(lon, lat):
        return
    hint = "có vẻ vĩ độ và kinh độ bị đảo" if in_vietnam(lat, lon) else None
    problems.add("lat", "outside_vietnam", hint)
    problems.add("lon", "outside_vietnam", hint)


@dataclass(frozen=True)
class Boundary:
    """A validated site boundary: the shape, its normalised GeoJSON and its bounding box."""

    geometry: Polygon | MultiPolygon
    geojson: dict[str, Any]
    bbox: BBox


def _reason(explanation: str) -> str:
    head = explanation.split("[", 1)[0].strip().lower()
    for prefix, reason in _REASONS.items():
        if head.startswith(prefix):
            return reason
    return "invalid_geometry"


def _count_points(geojson: dict[str, Any]) -> int | None:
    """How many positions the coordinates hold; None unless every one is two or three finite
    numbers at the depth the type calls for (checked before shapely sees NaN or strings)."""
    depth = 2 if geojson["type"] == "Polygon" else 3

    def walk(node: Any, level: int) -> int | None:
        if not isinstance(node, list | tuple):
            return None
        if level == 0:
            ok = len(node) in (2, 3) and all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                for v in node
            )
            return 1 if ok else None
        total = 0
        for child in node:
            count = walk(child, level - 1)
            if count is None:
                return None
            total += count
        return total

    return walk(geojson.get("coordinates"), depth)


def parse_boundary(
    problems: Problems, geojson: Any, *, field: str = "boundary", max_points: int
) -> Boundary | None:
    """Validate a GeoJSON Polygon/MultiPolygon in Vietnam; add problems naming what is wrong."""
    if isinstance(geojson, str):
        try:
            geojson = json.loads(geojson)
        except ValueError:
            problems.add(field, "invalid_geometry", "không phải JSON")
            return None
    if isinstance(geojson, dict) and geojson.get("type") == "Feature":
        geojson = geojson.get("geometry")
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        problems.add(field, "invalid_geometry", "cần GeoJSON Polygon hoặc MultiPolygon")
        return None
    import shapely
    from shapely.geometry import mapping, shape
    from shapely.validation import explain_validity

    points = _count_points(geojson)
    if not points:
        problems.add(field, "invalid_geometry", "tọa độ phải là các cặp số [kinh độ, vĩ độ]")
        return None
    if points > max_points:
        problems.add(field, "too_many_points", f"tối đa {max_points} điểm", max_points=max_points)
        return None
    try:
        geometry = shapely.force_2d(shape(geojson))
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.ShapelyError) as exc:
        problems.add(field, "invalid_geometry", str(exc)[:200])
        return None
    if geometry.is_empty:
        problems.add(field, "invalid_geometry", "hình rỗng")
        return None
    if not geometry.is_valid:
        explanation = explain_validity(geometry)
        problems.add(field, "invalid_polygon", explanation, reason=_reason(explanation))
        return None
    if not _vietnam().covers(geometry):
        swapped = shapely.transform(geometry, lambda c: c[:, ::-1])
        hint = "tọa độ phải theo thứ tự [kinh độ, vĩ độ]" if _vietnam().covers(swapped) else None
        problems.add(field, "outside_vietnam", hint)
        return None
    geometry = _oriented(geometry)
    # A JSON round trip turns shapely's tuples into plain lists (what JSON columns hold).
    normalised = json.loads(json.dumps(mapping(geometry)))
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    return Boundary(geometry, normalised, BBox(min_lon, min_lat, max_lon, max_lat))


def _oriented(geometry: Polygon | MultiPolygon) -> Polygon | MultiPolygon:
    # RFC 7946 right-hand rule: exterior rings counter-clockwise, holes clockwise.
    from shapely.geometry import MultiPolygon, Polygon
    from shapely.geometry.polygon import orient

    if isinstance(geometry, Polygon):
        return orient(geometry, 1.0)
    return MultiPolygon([orient(p, 1.0) for p in geometry.geoms])


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def distance_m(geometry, lon: float, lat: float) -> float:
    """Metres from a point to the nearest point of a shape (0 inside it).

    The shape is projected onto a plane tangent at the point (equirectangular, metres), where
    the nearest boundary point is found; its true distance is then taken with haversine. Over
    the few kilometres this is used for, the projection's error is far below GPS noise.
    """
    import numpy as np
    import shapely
    from shapely.geometry import Point
    from shapely.ops import nearest_points

    point = Point(lon, lat)
    if geometry.covers(point):
        return 0.0
    kx = M_PER_DEG_LAT * math.cos(math.radians(lat))
    ky = M_PER_DEG_LAT
    origin = np.array([lon, lat])
    scale = np.array([kx, ky])
    projected = shapely.transform(geometry, lambda c: (c - origin) * scale)
    nearest = nearest_points(projected, Point(0.0, 0.0))[0]
    return haversine_m(lon, lat, lon + nearest.x / kx, lat + nearest.y / ky)


def expand_bbox(bbox: BBox, metres: float) -> BBox:
    """A box grown by at least ``metres`` on every side (a cheap, indexable first pass)."""
    dlat = metres / M_PER_DEG_LAT * 1.01
    widest = max(abs(bbox.min_lat), abs(bbox.max_lat)) + dlat
    dlon = metres / (M_PER_DEG_LAT * math.cos(math.radians(min(widest, 89.0)))) * 1.01
    return BBox(bbox.min_lon - dlon, bbox.min_lat - dlat, bbox.max_lon + dlon, bbox.max_lat + dlat)


@dataclass(frozen=True)
class SiteShape:
    """What house → site assignment needs of a site."""

    id: uuid.UUID
    code: str
    geometry: Any
    bbox: BBox

    @classmethod
    def from_row(cls, site_id, code, boundary, min_lon, min_lat, max_lon, max_lat) -> SiteShape:
        from shapely.geometry import shape

        return cls(site_id, code, shape(boundary), BBox(min_lon, min_lat, max_lon, max_lat))


def best_site(
    sites: Iterable[SiteShape], lon: float, lat: float, max_m: float
) -> tuple[uuid.UUID | None, float | None]:
    """The site containing a point (the smallest, if zones overlap), else the nearest within
    ``max_m`` metres; ``(None, None)`` when there is none."""
    from shapely.geometry import Point

    point = Point(lon, lat)
    containing: list[SiteShape] = []
    near: list[tuple[float, str, uuid.UUID]] = []
    for site in sites:
        b = site.bbox
        inside_box = b.min_lon <= lon <= b.max_lon and b.min_lat <= lat <= b.max_lat
        if inside_box and site.geometry.covers(point):
            containing.append(site)
            continue
        reach = expand_bbox(b, max_m)
        if not (reach.min_lon <= lon <= reach.max_lon and reach.min_lat <= lat <= reach.max_lat):
            continue
        metres = distance_m(site.geometry, lon, lat)
        if metres <= max_m:
            near.append((metres, site.code, site.id))
    if containing:
        # A cluster inside an economic zone is the more specific answer.
        chosen = min(containing, key=lambda s: (s.geometry.area, s.code))
        return chosen.id, 0.0
    if near:
        metres, _, site_id = min(near)
        return site_id, round(metres, 1)
    return None, None
