"""Land-use codes of Circular 08/2024/TT-BTNMT and the classes the land-use indicators count.

Cadastral and land-use-status maps in Vietnam label each parcel with a three-letter code of
the land category (*mã loại đất*): ``ODT`` urban residential land, ``DGT`` transport land,
``LUC`` paddy land... Circular 08/2024/TT-BTNMT (land statistics, inventory and land-use-status
maps, in force 1 August 2024) lists them for the categories of the Land Law 2024 (Article 9)
and Decree 102/2024/NĐ-CP. :data:`TT08_CODES` holds the codes of the three groups
(agricultural ``NNP``, non-agricultural ``PNN``, unused ``CSD``) and the superseded codes of
Circular 27/2018/TT-BTNMT that older files still carry (``BHK``, ``NHK``, ``LUN``, ``SKT``,
``DSH``, ``DDL``), marked ``legacy``.

Source of the list: the categories of the Land Law 2024 and the codes as republished in the
public code lists of Vietnamese land-administration software (cross-checked against each
other); it was not read from the Official Gazette text here, so check a code against the
circular before citing it.

How the indicators count each code
----------------------------------
:mod:`geoplan.analyses.landuse` matches ``land_use`` values case-insensitively against
:data:`~geoplan.analyses.landuse.URBAN_CONSTRUCTION_CLASSES` and
:data:`~geoplan.analyses.landuse.TRANSPORT_CLASSES`. Each code here has a ``kind``:

``transport``
    ``DGT``: counted as transport land and as urban construction land.
``urban``
    Land built for urban functions (housing in urban areas, offices, defence and security,
    public-service works, industry and commerce, markets, energy and telecom works, waste
    facilities, places of worship): counted as urban construction land.
``other``
    Farmland, forest, aquaculture, rural residential land (``ONT``: the indicators count
    urban land only), irrigation works, heritage sites, cemeteries, rivers and water
    surfaces, mining, unused land: not counted.
``group``
    An aggregate code whose members differ in kind (``PNN``, ``OTC``, ``CSK``, ``CCC``):
    it cannot be counted either way; the detailed code is needed.

:func:`map_land_use_codes` writes into ``land_use`` the value the indicators count as that
kind: the code itself in lower case where the indicators know it (``odt``, ``dgt``), otherwise
the indicator class of the same meaning (``DTS`` offices of public-service bodies →
``institutional``, ``SKX`` building-materials works → ``industrial``, ``DRA`` waste sites →
``landfill``, ``DCK``/``DSH`` other public works → ``civic``); ``other`` codes keep their own
lower-case code, which no indicator counts. The code as written stays in the source column.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pandas as pd

__all__ = [
    "TT08_CODES",
    "LandUseCode",
    "LandUseMapping",
    "UnknownCodesPolicy",
    "map_land_use_codes",
    "normalise_code",
]

Kind = Literal["urban", "transport", "other", "group"]
#: What to do with features whose code is not in :data:`TT08_CODES` (or is a group code).
UnknownCodesPolicy = Literal["refuse", "keep", "drop"]


@dataclass(frozen=True)
class LandUseCode:
    """One land category.

    Attributes
    ----------
    code
        Official code (upper case).
    name
        Vietnamese name.
    group
        ``NNP``, ``PNN`` or ``CSD``.
    kind
        How the land-use indicators count it (see the module docstring).
    value
        Value written into ``land_use``.
    legacy
        A code of Circular 27/2018 that Circular 08/2024 no longer lists.
    """

    code: str
    name: str
    group: str
    kind: Kind
    value: str
    legacy: bool = False


def _c(code: str, name: str, group: str, kind: Kind, value: str = "", *,
       legacy: bool = False) -> LandUseCode:
    return LandUseCode(code, name, group, kind, value or code.lower(), legacy)


#: The land-use codes, by code (see the module docstring for the source and the kinds).
TT08_CODES: dict[str, LandUseCode] = {c.code: c for c in (
    # I. agricultural land
    _c("NNP", "Đất nông nghiệp", "NNP", "other"),
    _c("CHN", "Đất trồng cây hằng năm", "NNP", "other"),
    _c("LUA", "Đất trồng lúa", "NNP", "other"),
    _c("LUC", "Đất chuyên trồng lúa", "NNP", "other"),
    _c("LUK", "Đất trồng lúa còn lại", "NNP", "other"),
    _c("HNK", "Đất trồng cây hằng năm khác", "NNP", "other"),
    _c("CLN", "Đất trồng cây lâu năm", "NNP", "other"),
    _c("LNP", "Đất lâm nghiệp", "NNP", "other"),
    _c("RDD", "Đất rừng đặc dụng", "NNP", "other"),
    _c("RPH", "Đất rừng phòng hộ", "NNP", "other"),
    _c("RSX", "Đất rừng sản xuất", "NNP", "other"),
    _c("NTS", "Đất nuôi trồng thủy sản", "NNP", "other"),
    _c("CNT", "Đất chăn nuôi tập trung", "NNP", "other"),
    _c("LMU", "Đất làm muối", "NNP", "other"),
    _c("NKH", "Đất nông nghiệp khác", "NNP", "other"),
    _c("BHK", "Đất bằng trồng cây hàng năm khác", "NNP", "other", legacy=True),
    _c("NHK", "Đất nương rẫy trồng cây hàng năm khác", "NNP", "other", legacy=True),
    _c("LUN", "Đất trồng lúa nương", "NNP", "other", legacy=True),
    # II. non-agricultural land
    _c("PNN", "Đất phi nông nghiệp", "PNN", "group"),
    _c("OTC", "Đất ở", "PNN", "group"),
    _c("ONT", "Đất ở tại nông thôn", "PNN", "other"),
    _c("ODT", "Đất ở tại đô thị", "PNN", "urban"),
    _c("TSC", "Đất xây dựng trụ sở cơ quan", "PNN", "urban"),
    _c("CQP", "Đất quốc phòng", "PNN", "urban"),
    _c("CAN", "Đất an ninh", "PNN", "urban"),
    _c("DSN", "Đất xây dựng công trình sự nghiệp", "PNN", "urban", "institutional"),
    _c("DTS", "Đất xây dựng trụ sở của tổ chức sự nghiệp", "PNN", "urban", "institutional"),
    _c("DVH", "Đất xây dựng cơ sở văn hóa", "PNN", "urban"),
    _c("DXH", "Đất xây dựng cơ sở dịch vụ xã hội", "PNN", "urban"),
    _c("DYT", "Đất xây dựng cơ sở y tế", "PNN", "urban"),
    _c("DGD", "Đất xây dựng cơ sở giáo dục và đào tạo", "PNN", "urban"),
    _c("DTT", "Đất xây dựng cơ sở thể dục thể thao", "PNN", "urban"),
    _c("DKH", "Đất xây dựng cơ sở khoa học và công nghệ", "PNN", "urban"),
    _c("DMT", "Đất xây dựng cơ sở môi trường", "PNN", "urban", "institutional"),
    _c("DKT", "Đất xây dựng cơ sở khí tượng thủy văn", "PNN", "urban", "institutional"),
    _c("DNG", "Đất xây dựng cơ sở ngoại giao", "PNN", "urban", "institutional"),
    _c("DSK", "Đất xây dựng công trình sự nghiệp khác", "PNN", "urban", "institutional"),
    _c("CSK", "Đất sản xuất, kinh doanh phi nông nghiệp", "PNN", "group"),
    _c("SKK", "Đất khu công nghiệp", "PNN", "urban"),
    _c("SKN", "Đất cụm công nghiệp", "PNN", "urban"),
    _c("SKT", "Đất khu chế xuất", "PNN", "urban", "industrial", legacy=True),
    _c("TMD", "Đất thương mại, dịch vụ", "PNN", "urban"),
    _c("SKC", "Đất cơ sở sản xuất phi nông nghiệp", "PNN", "urban"),
    _c("SKS", "Đất sử dụng cho hoạt động khoáng sản", "PNN", "other"),
    _c("SKX", "Đất sản xuất vật liệu xây dựng, làm đồ gốm", "PNN", "urban", "industrial"),
    _c("CCC", "Đất sử dụng vào mục đích công cộng", "PNN", "group"),
    _c("DGT", "Đất giao thông", "PNN", "transport"),
    _c("DTL", "Đất thủy lợi", "PNN", "other"),
    _c("DDT", "Đất có di tích lịch sử - văn hóa", "PNN", "other"),
    _c("DDL", "Đất danh lam thắng cảnh", "PNN", "other", legacy=True),
    _c("DKV", "Đất khu vui chơi, giải trí công cộng", "PNN", "urban"),
    _c("DSH", "Đất sinh hoạt cộng đồng", "PNN", "urban", "civic", legacy=True),
    _c("DNL", "Đất công trình năng lượng, chiếu sáng công cộng", "PNN", "urban"),
    _c("DBV", "Đất công trình bưu chính, viễn thông, công nghệ thông tin", "PNN", "urban"),
    _c("DCH", "Đất chợ", "PNN", "urban"),
    _c("DRA", "Đất bãi thải, xử lý chất thải", "PNN", "urban", "landfill"),
    _c("DCK", "Đất công trình công cộng khác", "PNN", "urban", "civic"),
    _c("TON", "Đất tôn giáo", "PNN", "urban"),
    _c("TIN", "Đất tín ngưỡng", "PNN", "urban"),
    _c("NTD", "Đất nghĩa trang, nhà tang lễ, cơ sở hỏa táng; đất cơ sở lưu giữ tro cốt",
       "PNN", "other"),
    _c("SON", "Đất sông, ngòi, kênh, rạch, suối", "PNN", "other"),
    _c("MNC", "Đất có mặt nước chuyên dùng", "PNN", "other"),
    _c("PNK", "Đất phi nông nghiệp khác", "PNN", "other"),
    # III. unused land
    _c("CSD", "Đất chưa sử dụng", "CSD", "other"),
    _c("BCS", "Đất bằng chưa sử dụng", "CSD", "other"),
    _c("DCS", "Đất đồi núi chưa sử dụng", "CSD", "other"),
    _c("NCS", "Núi đá không có rừng cây", "CSD", "other"),
)}


def normalise_code(value: object) -> str | None:
    """A code cell in its one spelling (NFC, trimmed, upper case); ``None`` when empty.

    Examples
    --------
    >>> normalise_code(" odt "), normalise_code(None), normalise_code("")
    ('ODT', None, None)
    """
    from geoplan.layers.roles import normalise_id

    text = normalise_id(value)
    return None if text is None else unicodedata.normalize("NFC", text).upper()


@dataclass
class LandUseMapping:
    """The outcome of :func:`map_land_use_codes`.

    Attributes
    ----------
    values
        The ``land_use`` values (index of the input; unknown codes as written, or dropped).
    names
        The Vietnamese name of each feature's category (empty for unknown codes).
    keep
        Boolean mask of the input features kept.
    unknown
        Unknown or group code → number of features (``(empty)`` for empty cells).
    counts
        Known code → number of features.
    """

    values: pd.Series
    names: pd.Series
    keep: pd.Series
    unknown: dict[str, int]
    counts: dict[str, int]

    def unknown_text(self, limit: int = 12) -> str:
        """``'XYZ' × 3 (did you mean 'XYC'?), 'PNN' × 1 (a group code: ...)``."""
        parts = []
        for code, n in list(self.unknown.items())[:limit]:
            known = TT08_CODES.get(code)
            if known is not None:
                note = f" (a group code, {known.name}: give the detailed code)"
            else:
                close = difflib.get_close_matches(code, list(TT08_CODES), n=1, cutoff=0.6)
                note = f" (did you mean {close[0]!r}?)" if close else ""
            parts.append(f"{code!r} × {n}{note}")
        more = len(self.unknown) - limit
        return ", ".join(parts) + (f", … {more} more" if more > 0 else "")


def map_land_use_codes(codes: pd.Series, *, unknown: UnknownCodesPolicy = "refuse",
                       table: Mapping[str, LandUseCode] | None = None) -> LandUseMapping:
    """Map land-use code cells to the ``land_use`` values the indicators count.

    Parameters
    ----------
    codes
        One code per feature (any case, spaces around are ignored).
    unknown
        Features whose code is not in the table, is empty or is a group code: ``"refuse"``
        (the caller raises; :attr:`LandUseMapping.unknown` lists them), ``"keep"`` (kept with
        the code as written, counted by no indicator) or ``"drop"`` (left out).
    table
        Code table, default :data:`TT08_CODES`.

    Returns
    -------
    LandUseMapping

    Examples
    --------
    >>> m = map_land_use_codes(pd.Series(["ODT", "dgt ", "LUC", "DTS"]))
    >>> m.values.tolist(), m.unknown
    (['odt', 'dgt', 'luc', 'institutional'], {})
    """
    table = TT08_CODES if table is None else table
    norm = codes.map(normalise_code)
    found = norm.map(lambda c: table.get(c) if c is not None else None)
    bad = found.map(lambda c: c is None or c.kind == "group")
    labels = norm.where(norm.notna(), "(empty)")
    unknown_counts = {str(k): int(v) for k, v in labels[bad].value_counts().items()}
    counts = {str(k): int(v) for k, v in labels[~bad].value_counts().items()}
    values = pd.Series([c.value if c is not None and c.kind != "group" else None
                        for c in found], index=codes.index, dtype=object)
    names = pd.Series([c.name if c is not None else "" for c in found], index=codes.index,
                      dtype=object)
    if unknown == "keep":
        written = codes.map(lambda v: "" if normalise_code(v) is None else str(v).strip())
        values = values.where(~bad, written)
    keep = ~bad if unknown == "drop" else pd.Series(True, index=codes.index)
    return LandUseMapping(values, names, keep, unknown_counts, counts)
