"""The city-scale registry, built once through the public API and kept under `bench/cache/`:
the city as surveyed on `bench.year.SURVEYED`, then a year of maintenance events and cases.

The file name carries the sizes, the seed and the generator's version, so a changed city
never reads a stale file; a build goes to a temporary name and is renamed when complete, so
an interrupted run never leaves a half-built registry behind.

>>> cache_path(Path("bench/cache"), points=1000, mains=50, seed=2026).name
'city-p1000-m50-s2026-g2.gpkg'
"""
from __future__ import annotations

import os
from pathlib import Path

import registry
from registry import Change
from bench.city import BenchCity
from bench.year import SURVEYED, work_a_year

#: Bump when `bench.city` changes what it generates: old caches are then ignored.
GENERATOR_VERSION = 2
COUNTY = "130102"


def cache_path(cache_dir: Path, points: int, mains: int, seed: int) -> Path:
    """Where the registry for these sizes and seed lives."""
    return cache_dir / f"city-p{points}-m{mains}-s{seed}-g{GENERATOR_VERSION}.gpkg"


def new_registry(path: Path, city: BenchCity) -> registry.Registry:
    """A fresh registry at `path` holding the city's 58 grids and nothing else."""
    remove(path)
    return with_grids(registry.create(path, county=COUNTY), city)


def with_grids(reg: registry.Registry, city: BenchCity) -> registry.Registry:
    """`reg` given the city's 58 grids, as surveyed."""
    reg.add("grids", city.grids, Change(who="bench", at=SURVEYED))
    return reg


def add_points(reg: registry.Registry, city: BenchCity) -> None:
    """Every point layer, one `add` per layer, as a survey import does."""
    for name, frame in city.points.items():
        reg.add(name, frame, Change(who="bench", source="import", at=SURVEYED))


def keep(reg: registry.Registry, city: BenchCity, target: Path) -> dict[str, int]:
    """Complete a registry holding the points — the gas mains, then a year of work — and move
    it into the cache; returns what the year recorded."""
    reg.add("gas_mains", city.mains, Change(who="bench", source="import", at=SURVEYED))
    year = work_a_year(reg, city.seed, sum(len(f) for f in city.points.values()))
    source = reg.url
    reg.close()
    # A WAL left behind still holds committed pages: it moves with its database.
    for suffix in ("-wal", "-shm", ""):
        if Path(source + suffix).exists():
            os.replace(source + suffix, f"{target}{suffix}")
    return year


def ensure(city: BenchCity, target: Path, scratch: Path) -> dict[str, int]:
    """Build the cached registry at `target` unless it is already there; what its year holds."""
    if target.exists():
        return {}
    reg = new_registry(scratch / "building.gpkg", city)
    add_points(reg, city)
    return keep(reg, city, target)


def remove(path: Path) -> None:
    """Delete a GeoPackage with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
