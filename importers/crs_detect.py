"""Which coordinate reference system a survey's coordinates are in, declared or deduced.

A declared CRS (.prj, GeoPackage, GML srsName, an old GeoJSON ``crs`` member) is honoured.
Without one, a sample of coordinates is tried against the systems Chinese surveys use around
the registry's extent: CGCS2000 lon/lat, 3-degree Gauss-Kruger without zone prefix (6-digit
eastings) and with it (8-digit eastings), in both axis orders. What was assumed is said.

>>> import numpy as np
>>> choice = guess_crs(np.array([[38512000.0, 4210000.0]]), (113.5, 37.4, 115.5, 38.8), "a.csv")
>>> choice.crs, choice.note
('EPSG:4526', 'assumed: 8-digit eastings prefixed 38 -> CGCS2000 / 3-degree Gauss-Kruger zone 38 (EPSG:4526)')
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from registry.errors import InvalidInput

#: Guessing tolerates data a little beyond the extent; the strict extent flags records later.
GUESS_MARGIN_DEG = 1.0
#: Share of sampled points that must fit a candidate system for it to be assumed.
GUESS_QUORUM = 0.9
#: Datums pyproj can only shift to CGCS2000 by a "ballpark" (zero) offset, and what that costs.
BALLPARK_DATUMS = {
    "Beijing 1954": "EPSG has no Beijing 1954 -> CGCS2000 shift valid here and pyproj applies "
                    "none; positions may be off by tens of metres (the published Beijing 1954 "
                    "shifts elsewhere in China move points 57-66 m at Shijiazhuang)",
    "Xian 1980": "EPSG has no Xian 1980 -> CGCS2000 shift and pyproj applies none; positions "
                 "may be off by metres to tens of metres",
}
#: Datums whose difference from CGCS2000 is below a metre, so a ballpark shift is harmless.
CGCS2000_LIKE = ("China 2000", "World Geodetic System 1984")


@dataclass(frozen=True)
class CrsChoice:
    """The source CRS (``EPSG:nnnn`` or a name), why, and whether x and y must be swapped."""

    crs: str
    note: str
    swap_xy: bool = False
    warnings: tuple[str, ...] = ()


@lru_cache(maxsize=64)
def transformer(source: CRS, target: CRS) -> Transformer:
    """pyproj's best lon/lat-ordered transformation; cached, as finding one costs ~0.15 s.

    >>> round(transformer(CRS.from_epsg(4547), CRS.from_epsg(4490)).transform(500000, 4208000)[0], 6)
    114.0
    """
    return Transformer.from_crs(source, target, always_xy=True)


def crs_label(crs: CRS) -> str:
    """``EPSG:4547`` when the CRS has a code, else its name.

    >>> crs_label(CRS.from_user_input("EPSG:2383"))
    'EPSG:2383'
    """
    code = crs.to_epsg(min_confidence=70)
    return f"EPSG:{code}" if code else crs.name


def parse_crs(text: str | int, origin: str) -> CRS:
    """A pyproj CRS from a code, WKT or name; InvalidInput naming where it came from.

    >>> parse_crs(4547, "crs=").name
    'CGCS2000 / 3-degree Gauss-Kruger CM 114E'
    """
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise InvalidInput(f"{origin}: unknown coordinate reference system {text!r}") from None


def given_crs(crs: str | int) -> CrsChoice:
    """The CRS a user passed with ``crs=``; it beats anything the file says."""
    return CrsChoice(crs_label(parse_crs(crs, "crs=")), f"given: crs={crs}")


def declared_crs(text: str, source: str) -> CrsChoice:
    """The CRS a file declares (.prj, GeoPackage, GML srsName, GeoJSON ``crs`` member)."""
    label = crs_label(parse_crs(text, source))
    return CrsChoice(label, f"declared: {source} says {label}")


def guess_crs(sample: np.ndarray, extent: tuple[float, float, float, float],
              source: str) -> CrsChoice:
    """Deduce the CRS from an (n, 2) array of x/y coordinates; InvalidInput when none fits.

    >>> guess_crs(np.array([[38.0, 114.5]]), (113.5, 37.4, 115.5, 38.8), "a.csv").swap_xy
    True
    """
    sample = sample[np.isfinite(sample).all(axis=1)]
    if len(sample) == 0:
        raise InvalidInput(f"{source}: no coordinates to tell the coordinate system from; pass crs=")
    for crs, reason in candidates(extent):
        for swap in (False, True):
            points = sample[:, ::-1] if swap else sample
            if fits(points, crs, extent):
                return assumed(crs, reason, swap)
    if is_lonlat(sample):
        return CrsChoice("EPSG:4490", "assumed: coordinates are lon/lat (outside the extent)")
    raise InvalidInput(f"{source}: cannot tell the coordinate system of x {span(sample[:, 0])}, "
                       f"y {span(sample[:, 1])}; pass crs= (e.g. crs='EPSG:4547')")


def candidates(extent: tuple[float, float, float, float]) -> list[tuple[CRS, str]]:
    """Systems a survey around ``extent`` plausibly uses, with the reason each would be assumed."""
    found = [(CRS.from_epsg(4490), "coordinates are lon/lat inside the extent")]
    meridian = round((extent[0] + extent[2]) / 2 / 3) * 3
    if 75 <= meridian <= 135:  # CGCS2000 3-degree GK zones 25-45 cover China
        zone = meridian // 3
        found.append((CRS.from_epsg(4534 + (meridian - 75) // 3),
                      f"6-digit eastings (no zone prefix) around CM {meridian}E"))
        found.append((CRS.from_epsg(4513 + zone - 25), f"8-digit eastings prefixed {zone}"))
    return found


def fits(points: np.ndarray, crs: CRS, extent: tuple[float, float, float, float]) -> bool:
    """Whether most points land inside the (widened) extent when read in ``crs``."""
    lon, lat = points[:, 0], points[:, 1]
    if crs.is_projected:
        with np.errstate(all="ignore"):
            lon, lat = transformer(crs, CRS.from_epsg(4490)).transform(lon, lat)
    m = GUESS_MARGIN_DEG
    inside = ((lon >= extent[0] - m) & (lon <= extent[2] + m)
              & (lat >= extent[1] - m) & (lat <= extent[3] + m))
    return bool(inside.mean() >= GUESS_QUORUM)


def assumed(crs: CRS, reason: str, swap: bool) -> CrsChoice:
    label = crs_label(crs)
    if not swap:
        return CrsChoice(label, f"assumed: {reason} -> {crs.name} ({label})")
    warning = f"x and y were swapped (x held {'latitudes' if crs.is_geographic else 'northings'})"
    return CrsChoice(label, f"assumed: swapped axes; {reason} -> {crs.name} ({label})",
                     swap_xy=True, warnings=(warning + "; swapped them back",))


def is_lonlat(sample: np.ndarray) -> bool:
    return bool((np.abs(sample[:, 0]) <= 180).all() and (np.abs(sample[:, 1]) <= 90).all())


def span(values: np.ndarray) -> str:
    return f"{values.min():.6g}..{values.max():.6g}"


def datum_warning(source: CRS, target: CRS) -> str | None:
    """A warning when pyproj can only move this datum to the target by a zero 'ballpark' shift."""
    geodetic = source.geodetic_crs
    datum = geodetic.datum.name if geodetic and geodetic.datum else ""
    if "Ballpark" not in transformer(source, target).description or datum.startswith(CGCS2000_LIKE):
        return None
    reason = next((text for name, text in BALLPARK_DATUMS.items() if name in datum),
                  f"pyproj knows no shift from {datum} and applies none; expect metre-level errors")
    return f"{crs_label(source)} ({datum}) -> {crs_label(target)}: {reason}"


def outside_extent(bounds: np.ndarray, extent: tuple[float, float, float, float]) -> np.ndarray:
    """True where a record's lon/lat bounds reach outside ``extent``; NaN bounds (no geometry)
    are not flagged.

    >>> outside_extent(np.array([[114.5, 38, 114.6, 38.1], [0, 0, 0, 0], [np.nan] * 4]),
    ...                (113.5, 37.4, 115.5, 38.8))
    array([False,  True, False])
    """
    with np.errstate(invalid="ignore"):
        inside = ((bounds[:, 0] >= extent[0]) & (bounds[:, 1] >= extent[1])
                  & (bounds[:, 2] <= extent[2]) & (bounds[:, 3] <= extent[3]))
    return ~inside & ~np.isnan(bounds[:, 0])


def choose_crs(sample: np.ndarray, *, override: str | int | None, declared: str | None,
               spec: str | None, extent: tuple[float, float, float, float],
               source: str) -> CrsChoice:
    """``crs=`` beats what the file declares, which beats a guess from the coordinates.

    ``spec`` is the CRS the format implies when the file is silent (RFC 7946 GeoJSON); it is
    trusted only when the coordinates do look like lon/lat.

    >>> choose_crs(np.array([[114.5, 38.0]]), override=None, declared=None, spec="EPSG:4326",
    ...            extent=(113.5, 37.4, 115.5, 38.8), source="a.geojson").crs
    'EPSG:4326'
    """
    if override is not None:
        return given_crs(override)
    if declared:
        return declared_crs(declared, source)
    guess = guess_crs(sample, extent, source)
    if spec is None:
        return guess
    if guess.crs == "EPSG:4490" and not guess.swap_xy:
        return CrsChoice(spec, f"specified: no crs member, so RFC 7946 lon/lat WGS84 "
                               f"({spec} ≈ EPSG:4490, under a metre apart)")
    return CrsChoice(guess.crs, guess.note, guess.swap_xy, guess.warnings + (
        f"{source} has no crs member, so RFC 7946 requires lon/lat, but its coordinates "
        f"are not lon/lat",))
