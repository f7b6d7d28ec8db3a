"""VN-2000, Vietnam's national reference system: provincial TM-3 zones and the official datum shift.

Cadastral and planning files in Vietnam are drawn in **VN-2000** (datum EPSG:6756 on the WGS 84
ellipsoid, geographic CRS EPSG:4756) projected with a 3° transverse Mercator zone (TM-3) whose
central meridian is fixed per province: scale factor k0 = 0.9999, false easting 500 km, false
northing 0, latitude of origin 0 (Circular 973/2001/TT-TCĐC of 20 June 2001).

Central meridians (:data:`PROVINCES`)
-------------------------------------
The 63 provinces before the 2025 reform and their meridians as tabulated by Circular
973/2001/TT-TCĐC. Verified against the EPSG dataset shipped with PROJ: the area of use of each
CRS ``VN-2000 / TM-3 <meridian>`` (EPSG:9205-9218 and 5899) names its provinces, and those
names give the meridian of 53 of the 63 provinces, exactly as in this table (e.g. EPSG:9210
"VN-2000 / TM-3 105-45": Hải Phòng, Hồ Chí Minh City, Bến Tre, Bình Dương, Cao Bằng, Long An,
Tiền Giang). The other ten (105°00': Hà Nội, Vĩnh Phúc, Hà Nam, Ninh Bình, Thanh Hóa, Đồng
Tháp, Cần Thơ, Hậu Giang, Bạc Liêu; 108°00': Quảng Ngãi) are those no EPSG TM-3 CRS names; they
use the zones EPSG also defines with those meridians (EPSG:5897 and 5898). Every zone used here
has an EPSG code (:data:`MERIDIAN_EPSG`).

The 34 provinces of 2025 (:data:`NEW_PROVINCES`)
-----------------------------------------------
Resolution 202/2025/QH15 merged the 63 provinces into 34; no new TM-3 meridians were fixed with
it, and files drawn before the reform stay in their old zone. geoplan's choice: a new province
name (``vn2000:haiphong``) takes the meridian of the province whose name it kept (Hải Phòng
105°45'); its extent, for the plausibility check, is the union of the provinces merged into it
(Hải Phòng with Hải Dương). A file from a merged-away province (Hải Dương, 105°30') is given with
the old name (``vn2000:haiduong``); when a file does not fit its province, the error lists the
provinces whose own meridian would place it inside them.

Datum shift to WGS 84 (:data:`TO_WGS84`)
----------------------------------------
Decision 05/2007/QĐ-BTNMT gives the seven parameters between VN-2000 and WGS 84: translations
−191.90441429, −39.30318279, −111.45032835 m, rotations −0.00928836″, +0.01975479″,
−0.00427372″ and scale +0.252906278 ppm, in the **coordinate frame** convention (EPSG method
9607). EPSG records them with these signs as transformation EPSG:6960 "VN-2000 to WGS 84 (2)".
A PROJ.4 ``+towgs84=`` string uses the position-vector convention, so there the rotations
change sign; writing the decision's signs into ``+towgs84`` moves points by about half a metre.
:func:`to_wgs84` applies the parameters explicitly (PROJ would otherwise choose between
EPSG:6960 and EPSG:5194, a local Mekong-delta transformation); the test suite checks the
signs against EPSG:6960. The shift itself is about 220 m at Hà Nội: a VN-2000 file read as if
it were WGS 84 lies 110 m too far north and 190 m too far west.

Province extents (:data:`PROVINCES`)
-----------------------------------
DERIVED from geoBoundaries gbOpen VNM ADM1 (pre-2025 provinces, CC BY 4.0, attribute
"geoBoundaries"): each province's bounding box in longitude/latitude rounded outward to 0.01°
(Côn Đảo with Bà Rịa-Vũng Tàu; Khánh Hòa and Đà Nẵng include their island districts). No
geometry is stored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Transformer

__all__ = [
    "MERIDIAN_EPSG",
    "NEW_PROVINCES",
    "PROVINCES",
    "TO_WGS84",
    "VN2000",
    "Province",
    "Zone",
    "fits_zone",
    "is_vn2000",
    "parse_meridian",
    "province_key",
    "to_wgs84_transform",
    "zone_crs",
    "zone_for",
]

#: The geographic CRS of VN-2000.
VN2000 = CRS.from_epsg(4756)

#: Decision 05/2007/QĐ-BTNMT, VN-2000 → WGS 84, coordinate frame rotation (EPSG:9607):
#: translations (m), rotations (arc-seconds), scale difference (ppm). EPSG:6960.
TO_WGS84: dict[str, float] = {
    "x": -191.90441429, "y": -39.30318279, "z": -111.45032835,
    "rx": -0.00928836, "ry": 0.01975479, "rz": -0.00427372, "s": 0.252906278,
}

#: EPSG code of ``VN-2000 / TM-3`` for each central meridian of :data:`PROVINCES`
#: (k0 0.9999, false easting 500 km; 105° and 108° are EPSG's zones 482 and 491).
MERIDIAN_EPSG: dict[float, int] = {
    103.0: 9205, 104.0: 9206, 104.5: 9207, 104.75: 9208, 105.0: 5897, 105.5: 9209,
    105.75: 9210, 106.0: 9211, 106.25: 9212, 106.5: 9213, 107.0: 9214, 107.25: 9215,
    107.5: 9216, 107.75: 5899, 108.0: 5898, 108.25: 9217, 108.5: 9218,
}


@dataclass(frozen=True)
class Province:
    """A province with its VN-2000 central meridian and its extent.

    Attributes
    ----------
    key
        Lookup key (ASCII letters, e.g. ``hanoi``).
    name
        Vietnamese name.
    meridian
        Central meridian of its TM-3 zone (degrees east).
    bbox
        (west, south, east, north) in longitude/latitude.
    """

    key: str
    name: str
    meridian: float
    bbox: tuple[float, float, float, float]


def _p(name: str, meridian: float, bbox: tuple[float, float, float, float]) -> Province:
    return Province(province_key(name), name, meridian, bbox)


def province_key(name: str) -> str:
    """The lookup key of a province name: no accents, no spaces or punctuation, lower case.

    Examples
    --------
    >>> province_key("Thừa Thiên Huế"), province_key("TP. Hồ Chí Minh"), province_key("ha-noi")
    ('thuathienhue', 'hochiminh', 'hanoi')
    """
    text = unicodedata.normalize("NFD", str(name)).replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    text = re.sub(r"[^a-z0-9]", "", text)
    for prefix in ("thanhpho", "tinh", "tp"):
        if text.startswith(prefix) and len(text) > len(prefix) + 2:
            text = text.removeprefix(prefix)
            break
    return _ALIASES.get(text, text)


_ALIASES = {"hcm": "hochiminh", "hcmc": "hochiminh", "saigon": "hochiminh",
            "brvt": "bariavungtau", "hue": "thuathienhue", "daclac": "daklak",
            "backan": "backan", "baccan": "backan", "daknong": "daknong"}

#: The 63 provinces before the 2025 reform (Circular 973/2001/TT-TCĐC meridians; extents
#: DERIVED from geoBoundaries ADM1, see the module docstring).
PROVINCES: dict[str, Province] = {p.key: p for p in (
    _p("Lai Châu", 103.0, (102.32, 21.68, 103.99, 22.82)),
    _p("Điện Biên", 103.0, (102.14, 20.89, 103.61, 22.55)),
    _p("Sơn La", 104.0, (103.21, 20.56, 105.08, 22.02)),
    _p("Lào Cai", 104.75, (103.53, 21.85, 104.64, 22.85)),
    _p("Yên Bái", 104.75, (103.89, 21.31, 105.14, 22.28)),
    _p("Hà Giang", 105.5, (104.35, 22.16, 105.58, 23.40)),
    _p("Tuyên Quang", 106.0, (104.84, 21.52, 105.60, 22.69)),
    _p("Phú Thọ", 104.75, (104.87, 20.91, 105.51, 21.71)),
    _p("Vĩnh Phúc", 105.0, (105.36, 21.14, 105.87, 21.59)),
    _p("Cao Bằng", 105.75, (105.26, 22.33, 106.84, 23.12)),
    _p("Lạng Sơn", 107.25, (106.12, 21.37, 107.40, 22.44)),
    _p("Bắc Kạn", 106.5, (105.43, 21.80, 106.27, 22.74)),
    _p("Thái Nguyên", 106.5, (105.51, 21.34, 106.28, 22.05)),
    _p("Bắc Giang", 107.0, (105.96, 21.16, 107.11, 21.63)),
    _p("Bắc Ninh", 105.5, (105.95, 20.97, 106.40, 21.29)),
    _p("Quảng Ninh", 107.75, (106.56, 20.82, 108.08, 21.66)),
    _p("Hải Phòng", 105.75, (106.42, 20.11, 107.88, 21.08)),
    _p("Hải Dương", 105.5, (106.18, 20.69, 106.74, 21.28)),
    _p("Hưng Yên", 105.5, (105.95, 20.60, 106.30, 21.02)),
    _p("Hà Nội", 105.0, (105.35, 20.54, 106.08, 21.41)),
    _p("Hòa Bình", 106.0, (104.85, 20.28, 105.89, 21.10)),
    _p("Hà Nam", 105.0, (105.81, 20.36, 106.24, 20.70)),
    _p("Nam Định", 105.5, (105.93, 19.95, 106.62, 20.50)),
    _p("Thái Bình", 105.5, (106.16, 20.29, 106.64, 20.73)),
    _p("Ninh Bình", 105.0, (105.54, 19.92, 106.19, 20.43)),
    _p("Thanh Hóa", 105.0, (104.37, 19.29, 106.08, 20.66)),
    _p("Nghệ An", 104.75, (103.87, 18.56, 105.81, 20.04)),
    _p("Hà Tĩnh", 105.5, (105.12, 17.91, 106.51, 18.77)),
    _p("Quảng Bình", 106.0, (105.61, 16.93, 107.01, 18.09)),
    _p("Quảng Trị", 106.25, (106.51, 16.30, 107.39, 17.17)),
    _p("Thừa Thiên Huế", 107.0, (107.07, 15.99, 108.20, 16.75)),
    _p("Đà Nẵng", 107.75, (107.81, 15.76, 112.80, 16.91)),
    _p("Quảng Nam", 107.75, (107.21, 14.98, 108.75, 16.06)),
    _p("Quảng Ngãi", 108.0, (108.31, 14.56, 109.15, 15.43)),
    _p("Bình Định", 108.25, (108.65, 13.53, 109.31, 14.72)),
    _p("Kon Tum", 107.5, (107.32, 13.94, 108.64, 15.42)),
    _p("Gia Lai", 108.5, (107.44, 12.99, 108.88, 14.64)),
    _p("Đắk Lắk", 108.5, (107.48, 12.16, 109.02, 13.44)),
    _p("Đắk Nông", 108.5, (107.21, 11.75, 108.14, 12.81)),
    _p("Phú Yên", 108.5, (108.67, 12.71, 109.46, 13.70)),
    _p("Khánh Hòa", 108.25, (108.68, 9.56, 115.00, 12.86)),
    _p("Ninh Thuận", 108.25, (108.55, 11.29, 109.24, 12.17)),
    _p("Bình Thuận", 108.5, (107.39, 9.91, 109.06, 11.56)),
    _p("Lâm Đồng", 107.75, (107.26, 11.22, 108.73, 12.33)),
    _p("Bình Dương", 105.75, (106.36, 10.86, 106.95, 11.48)),
    _p("Bình Phước", 106.25, (106.41, 11.29, 107.44, 12.30)),
    _p("Đồng Nai", 107.75, (106.72, 10.54, 107.56, 11.55)),
    _p("Bà Rịa-Vũng Tàu", 107.75, (106.53, 8.62, 107.55, 10.76)),
    _p("Tây Ninh", 105.5, (105.80, 10.92, 106.50, 11.78)),
    _p("Long An", 105.75, (105.50, 10.37, 106.75, 11.04)),
    _p("Tiền Giang", 105.75, (105.79, 10.23, 106.82, 10.58)),
    _p("Bến Tre", 105.75, (106.02, 9.81, 106.80, 10.32)),
    _p("Đồng Tháp", 105.0, (105.18, 10.13, 105.93, 10.98)),
    _p("Vĩnh Long", 105.5, (105.68, 9.93, 106.26, 10.33)),
    _p("Trà Vinh", 105.5, (105.92, 9.54, 106.60, 10.09)),
    _p("An Giang", 104.75, (104.77, 10.20, 105.58, 10.97)),
    _p("Kiên Giang", 104.5, (103.83, 9.42, 105.55, 10.55)),
    _p("Cần Thơ", 105.0, (105.21, 9.89, 105.91, 10.35)),
    _p("Hậu Giang", 105.0, (105.34, 9.61, 105.88, 9.95)),
    _p("Sóc Trăng", 105.5, (105.54, 8.61, 106.30, 9.95)),
    _p("Bạc Liêu", 105.0, (105.23, 9.05, 105.87, 9.64)),
    _p("Cà Mau", 104.5, (104.70, 8.43, 105.45, 9.60)),
    _p("Hồ Chí Minh", 105.75, (106.40, 10.33, 107.04, 11.14)),
)}

#: The 34 provinces of 2025 (Resolution 202/2025/QH15): the old provinces merged into each,
#: the one whose name it kept first (its meridian is the new province's).
NEW_PROVINCES: dict[str, tuple[str, ...]] = {
    "hanoi": ("hanoi",), "thuathienhue": ("thuathienhue",), "laichau": ("laichau",),
    "dienbien": ("dienbien",), "sonla": ("sonla",), "langson": ("langson",),
    "quangninh": ("quangninh",), "thanhhoa": ("thanhhoa",), "nghean": ("nghean",),
    "hatinh": ("hatinh",), "caobang": ("caobang",),
    "tuyenquang": ("tuyenquang", "hagiang"), "laocai": ("laocai", "yenbai"),
    "thainguyen": ("thainguyen", "backan"), "phutho": ("phutho", "vinhphuc", "hoabinh"),
    "bacninh": ("bacninh", "bacgiang"), "hungyen": ("hungyen", "thaibinh"),
    "haiphong": ("haiphong", "haiduong"), "ninhbinh": ("ninhbinh", "hanam", "namdinh"),
    "quangtri": ("quangtri", "quangbinh"), "danang": ("danang", "quangnam"),
    "quangngai": ("quangngai", "kontum"), "gialai": ("gialai", "binhdinh"),
    "khanhhoa": ("khanhhoa", "ninhthuan"), "lamdong": ("lamdong", "daknong", "binhthuan"),
    "daklak": ("daklak", "phuyen"), "hochiminh": ("hochiminh", "binhduong", "bariavungtau"),
    "dongnai": ("dongnai", "binhphuoc"), "tayninh": ("tayninh", "longan"),
    "cantho": ("cantho", "soctrang", "haugiang"),
    "vinhlong": ("vinhlong", "bentre", "travinh"), "dongthap": ("dongthap", "tiengiang"),
    "camau": ("camau", "baclieu"), "angiang": ("angiang", "kiengiang"),
}

#: Degrees by which a file may extend beyond its province's bounding box (about 5 km).
_MARGIN_DEG = 0.05
#: Northings (m) of Vietnam in a TM-3 zone, with room: 8.4° N ... 23.4° N.
_NORTHING = (850_000.0, 2_650_000.0)
#: Largest distance (m) from the central meridian: Vietnam's widest province spans ~3°.
_HALF_WIDTH = 450_000.0


@dataclass(frozen=True)
class Zone:
    """A VN-2000 TM-3 zone as given by ``--crs vn2000:...``.

    Attributes
    ----------
    meridian
        Central meridian (degrees east).
    crs
        The projected CRS (EPSG ``VN-2000 / TM-3 ...``).
    province
        Display name of the province, or ``None`` when only a meridian was given.
    provinces
        Keys of the old provinces the region spans (for the plausibility check).
    """

    meridian: float
    crs: CRS
    province: str | None = None
    provinces: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """E.g. ``VN-2000 / TM-3 105°00' (EPSG:5897, Hà Nội)``."""
        where = f", {self.province}" if self.province else ""
        return f"VN-2000 / TM-3 {dms(self.meridian)} (EPSG:{MERIDIAN_EPSG[self.meridian]}{where})"

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        """Union of the provinces' boxes, or ``None`` without a province."""
        if not self.provinces:
            return None
        boxes = np.array([PROVINCES[k].bbox for k in self.provinces])
        return (float(boxes[:, 0].min()), float(boxes[:, 1].min()),
                float(boxes[:, 2].max()), float(boxes[:, 3].max()))


def dms(meridian: float) -> str:
    """``105.75`` as ``105°45'``."""
    degrees = int(meridian)
    return f"{degrees}°{round((meridian - degrees) * 60):02d}'"


def zone_crs(meridian: float) -> CRS:
    """The EPSG ``VN-2000 / TM-3`` CRS of ``meridian`` (one of :data:`MERIDIAN_EPSG`)."""
    return CRS.from_epsg(MERIDIAN_EPSG[meridian])


def parse_meridian(text: str) -> float | None:
    """``105.75``, ``105-45``, ``105°45'``, ``105d45`` as degrees; ``None`` if not a meridian.

    Examples
    --------
    >>> parse_meridian("105-45"), parse_meridian("105.75"), parse_meridian("105°00'")
    (105.75, 105.75, 105.0)
    """
    text = text.strip().rstrip("'′ ").replace("′", "'")
    match = re.fullmatch(r"(\d{2,3})(?:\s*[-°d:\s]\s*(\d{1,2}))?", text)
    if match:
        return int(match[1]) + (int(match[2]) / 60 if match[2] else 0.0)
    try:
        value = float(text)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def zone_for(spec: str) -> Zone:
    """The zone of ``vn2000:<province>`` or ``vn2000:<meridian>`` (``spec`` without prefix).

    Raises
    ------
    ValueError
        For an unknown province (with the closest names) or a meridian no province uses.

    Examples
    --------
    >>> zone_for("hanoi").label
    "VN-2000 / TM-3 105°00' (EPSG:5897, Hà Nội)"
    >>> zone_for("105-45").meridian
    105.75
    """
    import difflib

    meridian = parse_meridian(spec)
    if meridian is not None:
        if meridian not in MERIDIAN_EPSG:
            used = ", ".join(f"{m:g} ({dms(m)})" for m in MERIDIAN_EPSG)
            message = (f"vn2000:{spec}: {meridian:g}° is not the central meridian of any "
                       f"VN-2000 province; use one of {used}, or give the province "
                       "(vn2000:hanoi)")
            raise ValueError(message)
        return Zone(meridian, zone_crs(meridian))
    key = province_key(spec)
    if key in NEW_PROVINCES:
        parts = NEW_PROVINCES[key]
        head = PROVINCES[parts[0]]
        return Zone(head.meridian, zone_crs(head.meridian), head.name, parts)
    if key in PROVINCES:
        old = PROVINCES[key]
        return Zone(old.meridian, zone_crs(old.meridian), old.name, (key,))
    close = difflib.get_close_matches(key, list(PROVINCES), n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(f'vn2000:{c}' for c in close)}?)" if close else ""
    message = (f"vn2000:{spec}: no province of that name{hint}; write the province without "
               "accents (vn2000:hanoi, vn2000:haiphong, vn2000:hochiminh) or the central "
               "meridian (vn2000:105-45)")
    raise ValueError(message)


def is_vn2000(crs: CRS | None) -> bool:
    """True when ``crs`` is on the VN-2000 datum (geographic or projected)."""
    if crs is None:
        return False
    datum = crs.datum
    if datum is None:  # pragma: no cover - every CRS pyproj builds has a datum
        return False
    name = datum.name.lower().replace("_", " ").replace("-", " ")
    return "vietnam 2000" in name or "vn 2000" in name


def to_wgs84_transform(crs: CRS) -> tuple[Transformer, Transformer]:
    """The two steps from VN-2000 ``crs`` to WGS 84 lon/lat, both ``always_xy``.

    The first converts ``crs`` to VN-2000 longitude/latitude (no datum change); the second
    applies :data:`TO_WGS84` (coordinate frame rotation, Decision 05/2007/QĐ-BTNMT).
    """
    first = Transformer.from_crs(crs, VN2000, always_xy=True)
    p = TO_WGS84
    pipeline = (
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        "+step +proj=cart +ellps=WGS84 "
        f"+step +proj=helmert +x={p['x']} +y={p['y']} +z={p['z']} +rx={p['rx']} "
        f"+ry={p['ry']} +rz={p['rz']} +s={p['s']} +convention=coordinate_frame "
        "+step +inv +proj=cart +ellps=WGS84 +step +proj=unitconvert +xy_in=rad +xy_out=deg")
    return first, Transformer.from_pipeline(pipeline)


def _lonlat(xy: np.ndarray, meridian: float) -> np.ndarray:
    first, second = to_wgs84_transform(zone_crs(meridian))
    lon, lat = first.transform(xy[:, 0], xy[:, 1])
    lon, lat = second.transform(lon, lat)
    return np.column_stack([lon, lat])


def _inside(lonlat: np.ndarray, bbox: tuple[float, float, float, float]) -> bool:
    west, south, east, north = bbox
    m = _MARGIN_DEG
    return bool(np.all((lonlat[:, 0] >= west - m) & (lonlat[:, 0] <= east + m)
                       & (lonlat[:, 1] >= south - m) & (lonlat[:, 1] <= north + m)))


def _span(lonlat: np.ndarray) -> str:
    return (f"{lonlat[:, 0].min():.3f}…{lonlat[:, 0].max():.3f}° E, "
            f"{lonlat[:, 1].min():.3f}…{lonlat[:, 1].max():.3f}° N")


def fits_zone(xy: Iterable[tuple[float, float]] | np.ndarray, zone: Zone) -> str | None:
    """Why coordinates ``xy`` cannot be VN-2000 in ``zone``, or ``None`` when they can.

    Checks that the numbers are TM-3 metres (not longitude/latitude, not swapped) and, for a
    province, that they fall in its extent read with its meridian; otherwise names the
    provinces whose own meridian would place them inside.

    Parameters
    ----------
    xy
        Coordinates (x = easting, y = northing) of the file, e.g. its vertices.
    zone
        From :func:`zone_for`.

    Returns
    -------
    str or None
        The reason and the fix, starting with the coordinates found.

    Examples
    --------
    >>> fits_zone([(105.85, 21.03)], zone_for("hanoi"))  # doctest: +ELLIPSIS
    'coordinates 105.85…105.85, 21.03…21.03 look like longitude/latitude degrees...'
    """
    pts = np.asarray(list(xy) if not isinstance(xy, np.ndarray) else xy, dtype=float)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if not len(pts):
        return "no finite coordinates; fix the geometries"
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    found = f"coordinates {x0:.6g}…{x1:.6g}, {y0:.6g}…{y1:.6g}"
    if -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90:
        return (f"{found} look like longitude/latitude degrees, not VN-2000 TM-3 metres; "
                "give --crs EPSG:4756 (VN-2000 longitude/latitude) or EPSG:4326 (WGS 84)")
    in_x = x0 >= 500_000 - _HALF_WIDTH and x1 <= 500_000 + _HALF_WIDTH
    in_y = _NORTHING[0] <= y0 and y1 <= _NORTHING[1]
    if not (in_x and in_y):
        swapped = (_NORTHING[0] <= x0 and x1 <= _NORTHING[1]
                   and y0 >= 500_000 - _HALF_WIDTH and y1 <= 500_000 + _HALF_WIDTH)
        why = ("x and y are swapped (northing first): swap them in the file" if swapped else
               "VN-2000 TM-3 coordinates in Vietnam have eastings 50,000…950,000 m and "
               "northings 850,000…2,650,000 m: the file is in another CRS (give it with "
               "--crs) or in other units")
        return f"{found} are not VN-2000 TM-3 metres; {why}"
    bbox = zone.bbox
    if bbox is None:
        return None
    lonlat = _lonlat(pts, zone.meridian)
    if _inside(lonlat, bbox):
        return None
    fits = [p for p in PROVINCES.values() if _inside(_lonlat(pts, p.meridian), p.bbox)]
    others = ", ".join(f"{p.name} (vn2000:{p.key}, {dms(p.meridian)})" for p in fits[:6])
    hint = (f"read with their own meridian the coordinates fall inside {others}: give that "
            "province or meridian with --crs" if others else
            "no province's meridian places them inside that province: check the CRS")
    w, s, e, n = bbox
    return (f"{found} read as {zone.label} lie at {_span(lonlat)}, outside {zone.province} "
            f"({w:.2f}…{e:.2f}° E, {s:.2f}…{n:.2f}° N); {hint}")
