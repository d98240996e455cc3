"""What a model was trained on, recorded compactly, so that validating on the training data is noticed.

``labels_fingerprint`` describes the training labels: for field data (vector) its path, layer, class field,
feature count, extent, one hash of all geometries and a short hash per feature (capped); for a label raster its
path, size and a hash of its pixels. The trainer's caller stores it in the model report (``training_data``);
inference copies a summary into the class map's metadata (``LCX_TRAINING_DATA``); ``training_overlap`` compares
validation field data with it and says how many validation features are training features.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Optional

MAX_FEATURE_HASHES = 5000  # per-feature hashes kept in the model report (12 hex digits each)
MAX_METADATA_HASHES = 1000  # ... and in a class map's metadata
METADATA_KEY = "LCX_TRAINING_DATA"
_HASH_DIGITS = 12


def _geometry_hashes(path: str, layer: Optional[str]) -> tuple[list[str], list[float], int]:
    """Sorted short hashes of every feature's geometry (ISO WKB), the layer extent, and the feature count."""
    from osgeo import ogr

    ogr.UseExceptions()
    dataset = ogr.Open(path)
    lyr = dataset.GetLayerByName(layer) if layer else dataset.GetLayerByIndex(0)
    hashes = []
    for feature in lyr:
        geometry = feature.GetGeometryRef()
        wkb = bytes(geometry.ExportToIsoWkb()) if geometry is not None else b""
        hashes.append(hashlib.sha1(wkb).hexdigest()[:_HASH_DIGITS])
    minx, maxx, miny, maxy = lyr.GetExtent() if hashes else (0.0, 0.0, 0.0, 0.0)
    return sorted(hashes), [minx, miny, maxx, maxy], len(hashes)


def labels_fingerprint(path: str, layer: Optional[str] = None, class_field: Optional[str] = None,
                       is_vector: Optional[bool] = None) -> dict:
    """A compact description of the training labels (JSON-safe). Never raises for an unreadable file: the
    fingerprint is then just the path (training reports its own errors about the labels)."""
    record: dict = {"path": os.path.abspath(path)}
    try:
        if is_vector is None:
            from osgeo import gdal

            probe = gdal.OpenEx(path, gdal.OF_VECTOR)
            is_vector = probe is not None and probe.GetLayerCount() > 0
            probe = None
        if is_vector:
            hashes, extent, count = _geometry_hashes(path, layer)
            record.update(kind="field data", layer=layer, class_field=class_field, n_features=count, extent=extent,
                          geometry_sha256=hashlib.sha256("".join(hashes).encode()).hexdigest(),
                          feature_hashes=hashes[:MAX_FEATURE_HASHES])
        else:
            from osgeo import gdal

            dataset = gdal.Open(path)
            band = dataset.GetRasterBand(1)
            digest = hashlib.sha256()
            for row in range(0, dataset.RasterYSize, 256):
                digest.update(band.ReadAsArray(0, row, dataset.RasterXSize,
                                               min(256, dataset.RasterYSize - row)).tobytes())
            record.update(kind="label raster", size=[dataset.RasterXSize, dataset.RasterYSize],
                          pixels_sha256=digest.hexdigest())
    except Exception as exc:  # noqa: BLE001 - a fingerprint is informative; never fail training over it
        record["unreadable"] = str(exc)[:200]
    return record


def metadata_summary(fingerprint: Optional[dict]) -> Optional[str]:
    """The fingerprint as a short JSON string for a raster's metadata (per-feature hashes capped)."""
    if not fingerprint:
        return None
    small = dict(fingerprint)
    if "feature_hashes" in small:
        small["feature_hashes"] = small["feature_hashes"][:MAX_METADATA_HASHES]
    return json.dumps(small, separators=(",", ":"))


def parse_metadata(text: Optional[str]) -> Optional[dict]:
    """The JSON object stored in a metadata text; None when empty, malformed or not an object."""
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def training_overlap(training: Optional[dict], field_data_path: str, layer: Optional[str] = None) -> Optional[str]:
    """A warning when the validation field data are (partly) the training data, else None."""
    if not training or training.get("kind") != "field data":
        return None
    hashes, _extent, count = _geometry_hashes(field_data_path, layer)
    if not count:
        return None
    same_all = hashlib.sha256("".join(hashes).encode()).hexdigest() == training.get("geometry_sha256")
    trained = set(training.get("feature_hashes") or [])
    shared = sum(1 for h in hashes if h in trained)
    if same_all:
        shared = count
    if not shared:
        return None
    where = os.path.basename(str(training.get("path", "")))
    if shared == count:
        head = (f"Every validation feature ({count}) belongs to the model's training data ({where}): these "
                "figures measure how well the model fits its training polygons, not its accuracy.")
    else:
        head = (f"{shared} of {count} validation features ({shared / count:.0%}) belong to the model's training "
                f"data ({where}): the figures are optimistic.")
    return head + " Validate with field data kept out of training (e.g. a held-out set of polygons)."
