"""What a model was trained on, recorded compactly, so that validating on the training data is noticed.

``labels_fingerprint`` describes the training labels: for field data (vector) its path, layer, class field,
feature count, extent, one hash of all geometries and a short hash per feature (capped); for a label raster its
path, size and a hash of its pixels. The trainer's caller stores it in the model report (``training_data``);
inference copies a summary into the class map's metadata (``LCX_TRAINING_DATA``); ``training_overlap`` compares
validation field data with it and says how many validation features are training features.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import zlib
from typing import Optional

import numpy as np

MAX_FEATURE_HASHES = 5000  # per-feature hashes kept in the model report (12 hex digits each)
MAX_METADATA_HASHES = 1000  # ... and in a class map's metadata
MAX_MASK_CHARS = 2_000_000  # the labelled-pixel mask in the model report (base64 of a zlib'd bitmap) ...
MAX_METADATA_MASK_CHARS = 200_000  # ... and in a class map's metadata
MAX_OVERLAP_POINTS = 1_000_000  # validation pixels placed on the training grid one by one, at most
MIN_PIXEL_OVERLAP = 0.01  # share of the validation pixels that were training pixels, from which it is said
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


def encode_mask(mask: np.ndarray, limit: int = MAX_MASK_CHARS) -> Optional[dict]:
    """A boolean (H, W) mask as {"block", "shape", "bits"}: base64 of the zlib'd packed bits of the mask at
    ``block`` x ``block`` pixels (a block is set when any of its pixels is), the smallest block (1, 2, 4 ...)
    whose encoding fits in ``limit`` characters; None when even a coarse one does not."""
    mask = np.asarray(mask, dtype=bool)
    block = 1
    while block <= 256:
        h, w = -(-mask.shape[0] // block), -(-mask.shape[1] // block)
        if block == 1:
            coarse = mask
        else:
            padded = np.zeros((h * block, w * block), dtype=bool)
            padded[:mask.shape[0], :mask.shape[1]] = mask
            coarse = padded.reshape(h, block, w, block).any(axis=(1, 3))
        text = base64.b64encode(zlib.compress(np.packbits(coarse, axis=None).tobytes(), 6)).decode("ascii")
        if len(text) <= limit:
            return {"block": block, "shape": [int(h), int(w)], "bits": text}
        block *= 2
    return None


def decode_mask(encoded: dict) -> Optional[tuple[np.ndarray, int]]:
    """(mask at block resolution, block) of ``encode_mask``'s output; None when malformed."""
    try:
        h, w = (int(v) for v in encoded["shape"])
        block = int(encoded["block"])
        if h <= 0 or w <= 0 or block <= 0 or h * w > 4_000_000_000:
            return None
        raw = zlib.decompressobj().decompress(base64.b64decode(encoded["bits"]), (h * w + 7) // 8 + 1)
        bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), count=h * w).astype(bool)
        return bits.reshape(h, w), block
    except (KeyError, TypeError, ValueError, zlib.error):
        return None


def pixels_record(labels: np.ndarray, grid, limit: int = MAX_MASK_CHARS) -> Optional[dict]:
    """Which pixels of ``grid`` were labelled (class id > 0) for training: the grid and the encoded mask."""
    mask = encode_mask(np.asarray(labels) > 0, limit)
    if mask is None:
        return None
    return {"geotransform": [float(v) for v in grid.geotransform], "size": [int(grid.width), int(grid.height)],
            "crs_wkt": grid.crs_wkt or "", "n_labelled": int((np.asarray(labels) > 0).sum()), "mask": mask}


def labels_fingerprint(path: str, layer: Optional[str] = None, class_field: Optional[str] = None,
                       is_vector: Optional[bool] = None, labels: Optional[np.ndarray] = None, grid=None) -> dict:
    """A compact description of the training labels (JSON-safe). Never raises for an unreadable file: the
    fingerprint is then just the path (training reports its own errors about the labels). With ``labels``
    (the class ids burnt onto the stack's ``grid``) it also records which pixels were labelled (``pixels``),
    whatever the labels came from: validation then finds any overlap, with field data or a label raster."""
    record: dict = {"path": os.path.abspath(path)}
    if labels is not None and grid is not None:
        try:
            pixels = pixels_record(labels, grid)
        except Exception:  # noqa: BLE001 - informative only; never fail training over it
            pixels = None
        if pixels:
            record["pixels"] = pixels
    try:
        if is_vector is None:
            is_vector = _is_vector(path)
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
    pixels = small.get("pixels")
    if isinstance(pixels, dict) and len(str((pixels.get("mask") or {}).get("bits", ""))) > MAX_METADATA_MASK_CHARS:
        decoded = decode_mask(pixels["mask"])
        smaller = None
        if decoded is not None:  # a coarser mask: blocks of pixels, still enough to notice an overlap
            mask, block = decoded
            smaller = encode_mask(mask, MAX_METADATA_MASK_CHARS)
            if smaller is not None:
                smaller["block"] *= block
        small["pixels"] = dict(pixels, mask=smaller) if smaller else None
        if small["pixels"] is None:
            del small["pixels"]
    return json.dumps(small, separators=(",", ":"))


def parse_metadata(text: Optional[str]) -> Optional[dict]:
    """The JSON object stored in a metadata text; None when empty, malformed or not an object."""
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def training_overlap(training: Optional[dict], field_data_path: str, layer: Optional[str] = None,
                     reference_labels: Optional[np.ndarray] = None, reference_grid=None) -> Optional[str]:
    """A warning when the validation data are (partly) the training data, else None.

    Field data against field data: the features' geometries are compared (exact). Otherwise, and also when
    the features differ, the validation pixels (``reference_labels`` > 0 on ``reference_grid``) are looked up
    in the mask of the pixels the model was trained on (``pixels``): this works whether training used
    polygons, points or a label raster, and whether validation uses field data or a label raster."""
    if not training:
        return None
    where = os.path.basename(str(training.get("path", "")))
    if training.get("kind") == "field data" and _is_vector(field_data_path):
        hashes, _extent, count = _geometry_hashes(field_data_path, layer)
        if count:
            same_all = hashlib.sha256("".join(hashes).encode()).hexdigest() == training.get("geometry_sha256")
            trained = set(training.get("feature_hashes") or [])
            shared = count if same_all else sum(1 for h in hashes if h in trained)
            if shared == count:
                return (f"Every validation feature ({count}) belongs to the model's training data ({where}): these "
                        "figures measure how well the model fits its training polygons, not its accuracy. "
                        + _ADVICE)
            if shared:
                return (f"{shared} of {count} validation features ({shared / count:.0%}) belong to the model's "
                        f"training data ({where}): the figures are optimistic. " + _ADVICE)
    if reference_labels is None or reference_grid is None:
        return None
    shared, total = pixel_overlap(training.get("pixels"), reference_labels, reference_grid)
    if not shared or shared < MIN_PIXEL_OVERLAP * total:  # a few shared edge pixels of touching polygons: no
        return None
    if shared == total:
        return (f"Every validation pixel ({total}) was a training pixel of the model ({where}): these figures "
                "measure how well the model fits its training data, not its accuracy. " + _ADVICE)
    return (f"{shared} of {total} validation pixels ({shared / total:.0%}) were training pixels of the model "
            f"({where}): the figures are optimistic. " + _ADVICE)


_ADVICE = "Validate with field data kept out of training (e.g. a held-out set of polygons)."


def _is_vector(path: str) -> bool:
    from osgeo import gdal

    try:
        probe = gdal.OpenEx(path, gdal.OF_VECTOR)
    except RuntimeError:
        return False
    return probe is not None and probe.GetLayerCount() > 0


def pixel_overlap(pixels: Optional[dict], reference_labels: np.ndarray, reference_grid) -> tuple[int, int]:
    """(validation pixels that were training pixels, validation pixels): each labelled pixel centre of
    ``reference_grid`` placed on the training grid (reprojected when the CRSs differ) and looked up in the
    training mask. (0, n) when the model recorded no mask or the grids cannot be related."""
    labelled = np.asarray(reference_labels) > 0
    total = int(labelled.sum())
    if not total or not isinstance(pixels, dict):
        return 0, total
    decoded = decode_mask(pixels.get("mask") or {})
    try:
        gt = [float(v) for v in pixels["geotransform"]]
        width, height = (int(v) for v in pixels["size"])
    except (KeyError, TypeError, ValueError):
        return 0, total
    if decoded is None or len(gt) != 6 or gt[2] or gt[4] or not gt[1] or not gt[5]:
        return 0, total
    mask, block = decoded
    rgt = reference_grid.geotransform
    same_crs = (reference_grid.crs_wkt or "") == (pixels.get("crs_wkt") or "")
    if (same_crs and block == 1 and labelled.shape == mask.shape
            and np.allclose([float(v) for v in rgt], gt, rtol=0, atol=1e-6 * max(abs(gt[1]), abs(gt[5])))):
        return int((labelled & mask).sum()), total  # the training grid itself (the usual case): one comparison
    rows, cols = np.nonzero(labelled)
    if rows.size > MAX_OVERLAP_POINTS:  # a large reference: a fixed sample of its pixels, the count scaled back
        pick = np.random.default_rng(0).choice(rows.size, MAX_OVERLAP_POINTS, replace=False)
        rows, cols = rows[pick], cols[pick]
    scale = total / rows.size
    x = rgt[0] + (cols + 0.5) * rgt[1] + (rows + 0.5) * rgt[2]
    y = rgt[3] + (cols + 0.5) * rgt[4] + (rows + 0.5) * rgt[5]
    source_wkt, target_wkt = reference_grid.crs_wkt or "", pixels.get("crs_wkt") or ""
    if source_wkt and target_wkt:
        from osgeo import osr

        source, target = osr.SpatialReference(), osr.SpatialReference()
        try:
            source.ImportFromWkt(source_wkt)
            target.ImportFromWkt(target_wkt)
        except RuntimeError:
            return 0, total
        if not source.IsSame(target):
            for srs in (source, target):
                srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
            transform = osr.CoordinateTransformation(source, target)
            points = np.asarray(transform.TransformPoints(np.column_stack([x, y]).tolist()))
            x, y = points[:, 0], points[:, 1]
    col = np.floor((x - gt[0]) / gt[1]).astype(np.int64)
    row = np.floor((y - gt[3]) / gt[5]).astype(np.int64)
    inside = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    br, bc = row[inside] // block, col[inside] // block
    ok = (br < mask.shape[0]) & (bc < mask.shape[1])
    return int(round(mask[br[ok], bc[ok]].sum() * scale)), total
