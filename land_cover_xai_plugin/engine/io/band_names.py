"""Read acquisition dates and spectral band names out of band descriptions, metadata tags and file names.

Conventions understood (case-insensitive, separators ``_ - . space``):
  ``T1_2015-07-11_B01``  ``20150711_B04``  ``B04_2015-07-11``  ``2015-07-11_B8A``  ``B4`` (-> ``B04``)
  Sentinel-2 product / granule names: ``S2A_MSIL2A_20150711T101006_N0400_R022_T33TWM_...``,
  ``T33TWM_20150711T101006_B04_10m``; STAC common names (``red``, ``nir``, ``swir16`` ...) and
  spectral indices (``NDVI``, ``EVI`` ...) as a "band".
Every parser returns a small dataclass, or None when it cannot tell; the caller turns None into a
StackError that tells the user to supply a layout.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Optional

# Sentinel-2 MSI band order (L1C has all 13; L2A drops B10).
S2_BANDS = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12")
S2_L1C_BANDS = S2_BANDS
S2_L2A_BANDS = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12")
S2_L2A_10_BANDS = ("B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12")

# STAC "eo:common_name" / Earth Search asset names -> Sentinel-2 band.
COMMON_NAMES = {
    "COASTAL": "B01", "BLUE": "B02", "GREEN": "B03", "RED": "B04",
    "REDEDGE1": "B05", "REDEDGE2": "B06", "REDEDGE3": "B07", "NIR": "B08",
    "NIR08": "B8A", "NIR09": "B09", "CIRRUS": "B10", "SWIR16": "B11", "SWIR22": "B12",
}

# Spectral indices and biophysical variables users put in their stacks next to (or instead of) bands.
INDEX_NAMES = frozenset({
    "NDVI", "EVI", "EVI2", "SAVI", "MSAVI", "MSAVI2", "OSAVI", "NDWI", "MNDWI", "NDMI", "NBR", "NBR2",
    "NDBI", "NDRE", "GNDVI", "CIRE", "MCARI", "IRECI", "S2REP", "NDSI", "BSI", "LAI", "FAPAR", "FCOVER",
    "CCC", "CWC", "VV", "VH",
})

# Processing baseline from which L2A products carry BOA_ADD_OFFSET = -1000 DN (since 2022-01-25).
OFFSET_BASELINE = 400
L2A_OFFSET_DN = -1000.0

_BAND_RE = re.compile(r"^B?(0?[1-9]|1[0-2]|8A)$", re.IGNORECASE)
_TINDEX_RE = re.compile(r"^T(\d{1,4})$", re.IGNORECASE)
# Dates: 2015-07-11, 2015_07_11, 2015.07.11, 20150711, each optionally followed by a time.
_DATE_RE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<sep>[-_.]?)(?P<m>\d{2})(?P=sep)(?P<d>\d{2})"
    r"(?:T\d{2}:?\d{2}:?\d{2}(?:\.\d+)?Z?)?(?!\d)"
)
_PRODUCT_RE = re.compile(
    r"(?P<sat>S2[ABCD_])_MSI(?P<level>L1C|L2A|L2AP)_(?P<sensing>\d{8}T\d{6})_N(?P<baseline>\d{4})"
    r"(?:_R(?P<orbit>\d{3}))?(?:_T(?P<tile>\d{2}[A-Z]{3}))?",
    re.IGNORECASE,
)
_SPLIT_RE = re.compile(r"[\s_\-.:/\\,;|()\[\]]+")


@dataclass(frozen=True)
class BandLabel:
    """What one raster band holds: a band name (``B04``, ``NDVI``) and, when known, its date."""

    band: str
    date: Optional[datetime.date] = None
    time_index: Optional[int] = None  # the ``T3`` of ``T3_2015-08-20_B01``: tells repeated dates apart


@dataclass(frozen=True)
class ProductInfo:
    """What a Sentinel-2 product name says."""

    satellite: str
    level: str  # "L1C" or "L2A"
    date: datetime.date
    baseline: int  # 400 for N0400
    tile: Optional[str] = None

    @property
    def offset_dn(self) -> float:
        """Additive offset in DN: -1000 for L2A from processing baseline 04.00 on, else 0."""
        return L2A_OFFSET_DN if self.level.upper().startswith("L2A") and self.baseline >= OFFSET_BASELINE else 0.0


def parse_date(text: str) -> Optional[datetime.date]:
    """The first valid calendar date in ``text`` (``2015-07-11``, ``20150711``, ``2015-07-11T10:00:08``)."""
    if not text:
        return None
    for match in _DATE_RE.finditer(str(text)):
        try:
            return datetime.date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            continue  # 8 digits that are not a date (e.g. 20151399): keep looking
    return None


def normalize_band(token: str) -> Optional[str]:
    """Canonical band name: ``B4`` / ``b04`` / ``4`` -> ``B04``, ``b8a`` -> ``B8A``, ``red`` -> ``B04``,
    ``ndvi`` -> ``NDVI``; None for anything else."""
    if token is None:
        return None
    text = str(token).strip().upper()
    if not text:
        return None
    match = _BAND_RE.match(text)
    if match and (text.startswith("B") or text.isdigit() or text == "8A"):
        number = match.group(1).upper()
        return "B8A" if number == "8A" else f"B{int(number):02d}"
    if text in COMMON_NAMES:
        return COMMON_NAMES[text]
    if text in INDEX_NAMES:
        return text
    return None


def _band_in_tokens(tokens: list[str]) -> Optional[str]:
    """The band named by the tokens; bare digits count only when nothing better is there."""
    for token in reversed(tokens):  # the band usually comes last ("..._B04_10m")
        if token.upper().startswith("B") or not token.isdigit():
            band = normalize_band(token)
            if band:
                return band
    return None


def parse_band_label(text: str) -> Optional[BandLabel]:
    """Band (required) and date (optional) from a band description or file name; None if no band is named."""
    if not text:
        return None
    text = str(text).strip()
    product = parse_product_name(text)
    date = product.date if product else parse_date(text)
    remainder = _PRODUCT_RE.sub(" ", text) if product else text
    remainder = _DATE_RE.sub(" ", remainder)
    tokens = [token for token in _SPLIT_RE.split(remainder) if token]
    time_index = None
    rest = []
    for token in tokens:
        tmatch = _TINDEX_RE.match(token)
        if tmatch and time_index is None and not re.match(r"^T\d{2}[A-Z]{3}$", token, re.IGNORECASE):
            time_index = int(tmatch.group(1))
        else:
            rest.append(token)
    band = _band_in_tokens(rest)
    if band is None:
        return None
    return BandLabel(band=band, date=date, time_index=time_index)


def parse_product_name(text: str) -> Optional[ProductInfo]:
    """Sentinel-2 product name (``S2A_MSIL2A_20150711T101006_N0400_...``) -> satellite, level, date, baseline."""
    if not text:
        return None
    match = _PRODUCT_RE.search(str(text))
    if not match:
        return None
    sensing = match["sensing"]
    try:
        date = datetime.date(int(sensing[0:4]), int(sensing[4:6]), int(sensing[6:8]))
    except ValueError:
        return None
    level = match["level"].upper()
    return ProductInfo(
        satellite=match["sat"].upper(),
        level="L2A" if level.startswith("L2A") else level,
        date=date,
        baseline=int(match["baseline"]),
        tile=match["tile"].upper() if match["tile"] else None,
    )


def sort_bands(bands: list[str]) -> list[str]:
    """Sentinel-2 bands in sensor order first, then any other names in the order given."""
    s2 = [band for band in S2_BANDS if band in bands]
    others = [band for band in dict.fromkeys(bands) if band not in S2_BANDS]
    return s2 + others
