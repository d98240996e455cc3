"""Cloud masks for a Sentinel-2 L1C stack that has none, with s2cloudless (optional extra, never required).

``s2cloudless`` (PyPI; ships its own LightGBM model, needs lightgbm, opencv-python-headless and sentinelhub)
gives a cloud probability per pixel from ten L1C bands in top-of-atmosphere reflectance. :func:`detect_clouds`
writes its masks as one raster with one band per stack date (1 cloud, 0 clear, 255 no data), on the stack's
grid: pass it as ``ValidityConfig(mask_paths=[path], mask_rule="s2cloudless")``. Without the package,
:class:`~..errors.DependencyError` says how to install it.
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from ..errors import Cancelled, DependencyError, StackError

# The bands s2cloudless's model reads (its MODEL_BAND_IDS of the 13 L1C bands), in that order
S2CLOUDLESS_BANDS = ("B01", "B02", "B04", "B05", "B08", "B8A", "B09", "B10", "B11", "B12")
CLOUD, CLEAR, NO_DATA = 1, 0, 255


def s2cloudless_available() -> bool:
    """True when the optional s2cloudless package can be imported."""
    from ..dependencies import is_installed

    return is_installed("s2cloudless")


def _detector_class():
    try:
        from s2cloudless import S2PixelCloudDetector
    except ImportError as exc:
        from ..dependencies import install_commands

        commands = "\n".join(f"  {name}: {cmd}" for name, cmd in install_commands(["s2cloudless"]).items())
        raise DependencyError(
            "Computing cloud masks needs the optional Python package s2cloudless (it brings lightgbm, "
            "opencv-python-headless and sentinelhub). Install it into the Python that QGIS uses, then restart "
            f"QGIS:\n{commands}\nOr give the stack's own masks (Sentinel-2 L2A SCL, Theia CLM, Fmask)."
        ) from exc
    return S2PixelCloudDetector


def detect_clouds(stack, out_path: str, threshold: float = 0.4, average_over: int = 4, dilation_size: int = 2,
                  window_size: int = 512, is_cancelled: Optional[Callable[[], bool]] = None) -> str:
    """Write s2cloudless cloud masks of ``stack`` (an L1C stack with the bands of S2CLOUDLESS_BANDS, TOA
    reflectance) to ``out_path`` (GeoTIFF, one uint8 band per date: 1 cloud, 0 clear, 255 no data).

    ``threshold``, ``average_over``, ``dilation_size``: s2cloudless's own settings (its documented defaults for
    10 m data: 0.4, 4, 2). Windows are read with a halo so that the smoothing and dilation have no seams.
    Returns ``out_path``."""
    detector_class = _detector_class()
    missing = [b for b in S2CLOUDLESS_BANDS if b not in stack.bands]
    if missing:
        raise StackError(f"s2cloudless needs the Sentinel-2 L1C bands {', '.join(S2CLOUDLESS_BANDS)}; the stack "
                         f"lacks {', '.join(missing)}. Use an L1C stack with these bands, or give mask rasters.")
    from osgeo import gdal

    detector = detector_class(threshold=threshold, average_over=average_over, dilation_size=dilation_size,
                              all_bands=False)
    order = [list(stack.bands).index(b) for b in S2CLOUDLESS_BANDS]
    halo = int(average_over or 0) + int(dilation_size or 0)
    driver = gdal.GetDriverByName("GTiff")
    out = driver.Create(str(out_path), stack.width, stack.height, stack.n_dates, gdal.GDT_Byte,
                        ["COMPRESS=DEFLATE", "TILED=YES"])
    if out is None:
        raise StackError(f"Cannot create {out_path} ({gdal.GetLastErrorMsg().strip()}). Choose a writable path.")
    out.SetGeoTransform(stack.grid.geotransform)
    out.SetProjection(stack.grid.crs_wkt)
    for t, date in enumerate(stack.dates):
        band = out.GetRasterBand(t + 1)
        band.SetNoDataValue(NO_DATA)
        band.SetDescription(f"s2cloudless cloud mask {date.isoformat()}")
        band.SetMetadata({"date": date.isoformat(), "values": "1 cloud, 0 clear, 255 no data"})
    for y0 in range(0, stack.height, window_size):
        for x0 in range(0, stack.width, window_size):
            if is_cancelled is not None and is_cancelled():
                out = None
                raise Cancelled("Cloud detection cancelled; the mask raster is incomplete: delete it.")
            xs, ys = min(window_size, stack.width - x0), min(window_size, stack.height - y0)
            rx0, ry0 = max(0, x0 - halo), max(0, y0 - halo)
            rx1, ry1 = min(stack.width, x0 + xs + halo), min(stack.height, y0 + ys + halo)
            raw = stack.read_window(rx0, ry0, rx1 - rx0, ry1 - ry0)[:, order]  # (T, 10, h, w) reflectance
            no_data = ~np.isfinite(raw).all(axis=1)
            data = np.nan_to_num(raw.transpose(0, 2, 3, 1), nan=0.0)  # (T, h, w, 10), as s2cloudless reads it
            masks = detector.get_mask_from_prob(detector.get_cloud_probability_maps(data)).astype(np.uint8)
            masks[no_data] = NO_DATA
            core = masks[:, y0 - ry0: y0 - ry0 + ys, x0 - rx0: x0 - rx0 + xs]
            for t in range(stack.n_dates):
                out.GetRasterBand(t + 1).WriteArray(core[t], x0, y0)
    out.FlushCache()
    out = None
    return str(out_path)
