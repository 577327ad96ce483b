"""Pure geometry and field checks (no database)."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from backend.core.errors import Invalid
from backend.registry.geo import (
    SiteShape,
    best_site,
    distance_m,
    haversine_m,
    in_vietnam,
    parse_boundary,
)
from backend.registry.validation import Problems, clean_tax_code, parse_bbox
from tests.factories_registry import offset, square

LON, LAT = 106.75, 10.90


def _parse(geojson, max_points=1000):
    problems = Problems()
    return parse_boundary(problems, geojson, max_points=max_points), problems.items


def test_valid_square_is_normalised_counter_clockwise():
    ring = square(LON, LAT)["coordinates"][0][::-1]  # clockwise on input
    boundary, problems = _parse({"type": "Polygon", "coordinates": [ring]})
    assert problems == []
    assert shape(boundary.geojson).exterior.is_ccw
    assert boundary.bbox.min_lon < LON < boundary.bbox.max_lon


def test_multipolygon_and_feature_wrapper_are_accepted():
    a, b = square(LON, LAT), square(LON + 0.1, LAT)
    multi = {"type": "MultiPolygon", "coordinates": [a["coordinates"], b["coordinates"]]}
    boundary, problems = _parse({"type": "Feature", "geometry": multi, "properties": {}})
    assert problems == [] and boundary.geojson["type"] == "MultiPolygon"


@pytest.mark.parametrize(
    ("geojson", "code", "reason"),
    [
        # a bow tie: the classic self-intersection
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[106.7, 10.8], [106.8, 10.9], [106.8, 10.8], [106.7, 10.9], [106.7, 10.8]]
                ],
            },
            "invalid_polygon",
            "self_intersection",
        ),
        (
            {"type": "Polygon", "coordinates": [[[106.7, 10.8], [106.8, 10.9], [106.7, 10.8]]]},
            "invalid_polygon",
            "too_few_points",
        ),
        ({"type": "Point", "coordinates": [106.7, 10.8]}, "invalid_geometry", None),
        ({"type": "Polygon", "coordinates": [[["a", "b"]]]}, "invalid_geometry", None),
        (
            {"type": "Polygon", "coordinates": [[[106.7, math.nan], [1, 2], [3, 4], [106.7, 1]]]},
            "invalid_geometry",
            None,
        ),
        ({"type": "Polygon", "coordinates": []}, "invalid_geometry", None),
        ("not json", "invalid_geometry", None),
        (square(2.35, 48.85), "outside_vietnam", None),  # Paris
    ],
)
def test_bad_boundaries_name_the_problem(geojson, code, reason):
    boundary, problems = _parse(geojson)
    assert boundary is None
    assert problems[0]["code"] == code and problems[0]["field"] == "boundary"
    if reason:
        assert problems[0]["reason"] == reason
    if reason == "self_intersection":
        assert "Self-intersection" in problems[0]["message"]


def test_swapped_lat_lon_gets_a_hint():
    ring = [[lat, lon] for lon, lat in square(LON, LAT)["coordinates"][0]]
    _, problems = _parse({"type": "Polygon", "coordinates": [ring]})
    assert problems[0]["code"] == "outside_vietnam"
    assert "kinh độ" in problems[0]["message"]


def test_too_many_points():
    _, problems = _parse(square(LON, LAT), max_points=4)
    assert problems[0]["code"] == "too_many_points"


def test_islands_count_as_vietnam():
    assert in_vietnam(103.96, 10.22)  # Phú Quốc
    assert in_vietnam(106.60, 8.68)  # Côn Đảo
    assert in_vietnam(112.33, 16.83)  # Hoàng Sa
    assert in_vietnam(114.33, 10.38)  # Trường Sa
    assert not in_vietnam(100.50, 13.75)  # Bangkok
    assert not in_vietnam(LAT, LON)  # swapped


def test_distance_in_metres():
    site = shape(square(LON, LAT, 500))
    lon, lat = offset(LON, LAT, east_m=1500)
    assert distance_m(site, lon, lat) == pytest.approx(1000, abs=2)
    lon, lat = offset(LON, LAT, north_m=-800)
    assert distance_m(site, lon, lat) == pytest.approx(300, abs=2)
    assert distance_m(site, LON, LAT) == 0
    # Haversine sanity: one degree of latitude.
    assert haversine_m(LON, 10, LON, 11) == pytest.approx(111_195, rel=1e-3)


def test_best_site_prefers_containing_then_nearest_within_range():
    import uuid

    def site(code, lon, lat, half):
        geo = square(lon, lat, half)
        parsed, _ = _parse(geo)
        return SiteShape(uuid.uuid4(), code, shape(parsed.geojson), parsed.bbox)

    big = site("ECON", LON, LAT, 5000)
    small = site("CLUSTER", LON, LAT, 300)
    other = site("OTHER", *offset(LON, LAT, east_m=8000), 500)
    assert best_site([big, small, other], LON, LAT, 2000) == (small.id, 0.0)
    lon, lat = offset(LON, LAT, east_m=6000)  # 1 km from big's edge, 1.5 km from other's
    chosen, metres = best_site([big, small, other], lon, lat, 2000)
    assert chosen == big.id and metres == pytest.approx(1000, abs=2)
    assert best_site([small], lon, lat, 2000) == (None, None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0312345678", "0312345678"),
        ("0312345678-001", "0312345678-001"),
        ("0312345678001", "0312345678-001"),
        (" 0312 345 678 ", "0312345678"),
        ("031234567", None),
        ("03123456789", None),
        ("0312345678-01", None),
        ("MST0312345678", None),
    ],
)
def test_tax_code_format(raw, expected):
    problems = Problems()
    assert clean_tax_code(problems, "tax_code", raw) == expected
    assert bool(problems) == (expected is None)


@pytest.mark.parametrize("raw", ["1,2,3", "a,b,c,d", "106,10,105,11", "106,10,107,91", "nan,1,2,3"])
def test_bad_bbox(raw):
    with pytest.raises(Invalid) as exc:
        parse_bbox(raw)
    assert exc.value.code == "invalid_bbox"


coordinate = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-1000, 1000),
    st.text(max_size=3),
    st.none(),
    st.booleans(),
)
position = st.lists(coordinate, max_size=4)
nested = st.recursive(position, lambda inner: st.lists(inner, max_size=5), max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(["Polygon", "MultiPolygon", "Point", None, 3]),
    coordinates=st.one_of(nested, st.dictionaries(st.text(max_size=3), st.integers())),
)
def test_any_json_is_a_boundary_or_named_problems(kind, coordinates):
    """Whatever JSON arrives, parse_boundary answers with a shape or problems, never raises."""
    boundary, problems = _parse({"type": kind, "coordinates": coordinates})
    assert (boundary is None) == bool(problems)
    assert all(p["field"] == "boundary" for p in problems)
