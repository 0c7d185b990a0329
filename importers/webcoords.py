"""Chinese web-map coordinates: GCJ-02 (Amap, Tencent) and BD-09 (Baidu) to and from WGS84.

GCJ-02 shifts WGS84 by a published non-linear formula (≈ 530 m in Shijiazhuang). Its inverse
has no closed form: subtracting the offset computed at the shifted point (the common
"one-step" inverse) leaves metres of error, so ``gcj02_to_wgs84`` iterates to the exact
preimage. CGCS2000 and WGS84 agree to well under a metre, so WGS84 results serve as CGCS2000.
All functions take and return numpy arrays (lon, lat in degrees).

>>> lon, lat = wgs84_to_gcj02(114.5, 38.0)
>>> back = gcj02_to_wgs84(lon, lat)
>>> bool(abs(back[0] - 114.5) < 1e-8 and abs(back[1] - 38.0) < 1e-8)
True
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike
Pair = tuple[np.ndarray, np.ndarray]

#: Krasovsky 1940 ellipsoid, which the GCJ-02 formula is written against.
A = 6378245.0
EE = 0.00669342162296594323
BD_FACTOR = np.pi * 3000.0 / 180.0
#: 1e-9 degrees is about 0.1 mm: far below the 0.5 m the registry needs.
TOLERANCE_DEG = 1e-9
MAX_ITERATIONS = 30


def in_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """The box inside which web maps apply the offset (outside it GCJ-02 equals WGS84)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> Pair:
    """Forward GCJ-02 offset, as Chinese web maps apply it.

    >>> [round(float(v), 6) for v in wgs84_to_gcj02(114.5, 38.0)]
    [114.50603, 38.000672]
    """
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    dlon, dlat = gcj02_offset(lon, lat)
    china = in_china(lon, lat)
    return np.where(china, lon + dlon, lon), np.where(china, lat + dlat, lat)


def gcj02_offset(lon: np.ndarray, lat: np.ndarray) -> Pair:
    """The GCJ-02 shift in degrees at a WGS84 position."""
    x, y = lon - 105.0, lat - 35.0
    rad = lat / 180.0 * np.pi
    magic = 1 - EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = shift_lat(x, y) * 180.0 / ((A * (1 - EE)) / (magic * sqrt_magic) * np.pi)
    dlon = shift_lon(x, y) * 180.0 / (A / sqrt_magic * np.cos(rad) * np.pi)
    return dlon, dlat


def shift_lat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    return ret + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0


def shift_lon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    return ret + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> Pair:
    """Exact inverse of the GCJ-02 offset by fixed-point iteration (≈ 1e-9° after 3–5 steps).

    >>> [round(float(v), 6) for v in gcj02_to_wgs84(114.50603, 38.000672)]
    [114.5, 38.0]
    """
    return invert(wgs84_to_gcj02, lon, lat)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Pair:
    """Baidu's BD-09 from GCJ-02, as Baidu Maps computes it.

    >>> [round(float(v), 5) for v in gcj02_to_bd09(116.404, 39.915)]
    [116.41037, 39.92134]
    """
    x, y = np.asarray(lon, float), np.asarray(lat, float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * BD_FACTOR)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * BD_FACTOR)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Pair:
    """BD-09 from WGS84: the GCJ-02 offset, then Baidu's own."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> Pair:
    """Exact inverse of ``gcj02_to_bd09`` (the usual closed-form inverse is approximate)."""
    return invert(gcj02_to_bd09, lon, lat)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> Pair:
    """WGS84 from Baidu BD-09 coordinates, both offsets inverted iteratively.

    >>> [round(float(v), 6) for v in bd09_to_wgs84(*wgs84_to_bd09(114.5, 38.0))]
    [114.5, 38.0]
    """
    return invert(wgs84_to_bd09, lon, lat)


def invert(forward, lon: ArrayLike, lat: ArrayLike) -> Pair:
    """Solve forward(p) = target for p: the offset varies slowly, so p -= forward(p) - target
    converges geometrically (each step shrinks the error by ~1e-3 or better)."""
    target_lon, target_lat = np.asarray(lon, float), np.asarray(lat, float)
    guess_lon, guess_lat = target_lon.copy(), target_lat.copy()
    for _ in range(MAX_ITERATIONS):
        fwd_lon, fwd_lat = forward(guess_lon, guess_lat)
        err_lon, err_lat = fwd_lon - target_lon, fwd_lat - target_lat
        guess_lon, guess_lat = guess_lon - err_lon, guess_lat - err_lat
        if np.nanmax(np.abs(np.concatenate([np.ravel(err_lon), np.ravel(err_lat), [0.0]]))) < TOLERANCE_DEG:
            break
    return guess_lon, guess_lat


def to_wgs84(coords: np.ndarray, system: str) -> np.ndarray:
    """Convert an (n, 2) lon/lat array from ``'gcj02'`` or ``'bd09'`` to WGS84.

    >>> to_wgs84(np.array([[114.50603, 38.000672]]), "gcj02").round(6).tolist()
    [[114.5, 38.0]]
    """
    inverse = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}[system]
    lon, lat = inverse(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])
