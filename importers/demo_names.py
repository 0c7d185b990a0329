"""Names of the demo Shijiazhuang: main roads, rivers, districts, street offices, courtyards.

Plain data, kept apart from the geometry so a reader can check the place names at a glance.
Road positions are fractions of the city's bounding box (0 = west/south, 1 = east/north) and
follow the real order of Shijiazhuang's streets.

>>> EAST_WEST_ROADS[0]
('北二环路', 0.93, 25.0)
>>> DISTRICTS[0].name, DISTRICTS[0].code
('新华区', '130105')
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

#: E–W roads, north to south: (name, y fraction, half width of the carriageway in metres).
EAST_WEST_ROADS = (
    ("北二环路", 0.93, 25.0), ("和平路", 0.80, 20.0), ("新华路", 0.68, 15.0),
    ("中山路", 0.55, 22.0), ("裕华路", 0.42, 22.0), ("槐安路", 0.29, 20.0),
    ("塔南路", 0.17, 15.0), ("南二环路", 0.06, 25.0),
)
#: N–S roads, west to east: (name, x fraction, half width in metres).
NORTH_SOUTH_ROADS = (
    ("西二环路", 0.05, 25.0), ("石清路", 0.14, 15.0), ("红旗大街", 0.23, 18.0),
    ("友谊大街", 0.32, 18.0), ("维明大街", 0.40, 15.0), ("中华大街", 0.48, 20.0),
    ("平安大街", 0.57, 18.0), ("建设大街", 0.65, 20.0), ("育才街", 0.73, 12.0),
    ("体育大街", 0.81, 20.0), ("谈固大街", 0.88, 15.0), ("东二环路", 0.96, 25.0),
)
#: Rivers, drawn as meandering E–W lines: (name, y fraction, half width of the water in metres).
RIVERS = (("太平河", 0.865, 30.0), ("民心河", 0.485, 12.0))


@dataclass(frozen=True)
class District:
    """A district (区), its GB/T 2260 county code and its street offices (街道)."""

    name: str
    code: str
    corner: str
    street_offices: tuple[str, ...]


#: The four urban districts, each with the corner of the city it holds.
DISTRICTS = (
    District("新华区", "130105", "northwest", (
        "革新街街道", "新华路街道", "宁安街道", "东焦街道", "西苑街道", "合作路街道",
        "联盟街道", "石岗街道", "天苑街道", "北苑街道", "赵陵铺路街道", "大郭街道",
        "杜北街道", "西三庄街道", "东古城街道")),
    District("长安区", "130102", "northeast", (
        "建北街道", "青园街道", "广安街道", "育才街道", "跃进街道", "河东街道",
        "长丰街道", "谈固街道", "中山东路街道", "胜利北街街道", "西兴街道", "桃园街道",
        "高营街道", "南村街道", "东兴街道")),
    District("桥西区", "130104", "southwest", (
        "东里街道", "中山路街道", "南长街街道", "维明街街道", "友谊街道", "红旗街道",
        "新石街道", "苑东街道", "西里街道", "振头街道", "留营街道", "长兴街道",
        "彭后街道", "东华街道", "休门街道")),
    District("裕华区", "130108", "southeast", (
        "裕兴街道", "裕强街道", "东苑街道", "建通街道", "槐底街道", "裕华路街道",
        "裕东街道", "裕翔街道", "东风街道", "体育南街街道", "方北街道", "槐中街道",
        "翟营街道", "南王街道", "塔冢街道")),
)
#: Departments every grid dispatches to, as the bureau writes them (semicolon-separated).
GRID_DEPARTMENTS = "市政管理处;园林局;燃气公司;路灯管理处"

#: Work units and places that old courtyards (小区, 宿舍, 生活区) are named after.
COURTYARD_STEMS = (
    "联盟", "华药", "省建一公司", "棉纺四厂", "棉纺二厂", "铁路", "电业局", "省委", "师大",
    "河北医大", "水利厅", "地矿局", "邮电", "煤机厂", "柴油机厂", "造纸厂", "第一印染厂",
    "石钢", "焦化厂", "化肥厂", "市政", "建华", "育才", "平安", "东岗", "西里", "北焦",
    "槐中", "塔坛", "谈固", "翟营", "范西", "体育", "裕华", "友谊", "维明", "红星", "跃进",
    "胜利", "光华", "和平", "新华", "省二建", "华北制药", "车辆厂", "油泵厂", "建材厂",
)
COURTYARD_SUFFIXES = ("小区", "生活区", "宿舍", "家属院", "北区", "南区", "新村")


def courtyard_names(n: int, rng: np.random.Generator) -> list[str]:
    """`n` distinct courtyard names such as ``华药生活区``, in a seeded order.

    >>> names = courtyard_names(3, np.random.default_rng(1))
    >>> len(set(names)), all(len(name) >= 4 for name in names)
    (3, True)
    """
    pool = [stem + suffix for stem, suffix in product(COURTYARD_STEMS, COURTYARD_SUFFIXES)]
    pool = [pool[i] for i in rng.permutation(len(pool))]
    return [_phase_name(pool, i) for i in range(n)]


def _phase_name(pool: list[str], i: int) -> str:
    # Past the pool, later phases of the same estates (华药生活区2期) keep names unique.
    phase, k = divmod(i, len(pool))
    return pool[k] + (f"{phase + 1}期" if phase else "")
