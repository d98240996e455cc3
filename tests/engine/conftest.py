"""Fixtures for the stack / labels / synthetic tests: small real GeoTIFFs written with GDAL."""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import pytest
from osgeo import gdal, osr

import land_cover_xai_plugin

SAMPLE = Path(land_cover_xai_plugin.__file__).resolve().parent / "sample_data"
SAMPLE_STACK = SAMPLE / "s2_l1c_stack.tif"
SAMPLE_BANDS = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
SAMPLE_DATES = ["2015-07-11", "2015-07-31", "2015-08-20", "2015-08-30", "2015-09-09"]
_NUMPY_TO_GDAL = {np.dtype(np.uint16): gdal.GDT_UInt16, np.dtype(np.float32): gdal.GDT_Float32,
                  np.dtype(np.int16): gdal.GDT_Int16, np.dtype(np.uint8): gdal.GDT_Byte,
                  np.dtype(np.int32): gdal.GDT_Int32}


def _write_raster(path, data: np.ndarray, descriptions: Optional[Sequence[str]] = None,
                 geotransform=(465000.0, 10.0, 0.0, 5080000.0, 0.0, -10.0), epsg: Optional[int] = 32633,
                 nodata: Optional[float] = None, band_tags: Optional[Sequence[dict]] = None,
                 dataset_tags: Optional[dict] = None, scale_offset: Optional[tuple] = None,
                 tiled: bool = False) -> str:
    """(bands, H, W) array -> GeoTIFF; returns the path as str."""
    data = np.asarray(data)
    if data.ndim == 2:
        data = data[None]
    options = ["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"] if tiled else []
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), data.shape[2], data.shape[1], data.shape[0],
                                                   _NUMPY_TO_GDAL[data.dtype], options)
    dataset.SetGeoTransform(geotransform)
    if epsg is not None:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(epsg)
        dataset.SetProjection(srs.ExportToWkt())
    if dataset_tags:
        dataset.SetMetadata(dataset_tags)
    for i in range(data.shape[0]):
        band = dataset.GetRasterBand(i + 1)
        band.WriteArray(data[i])
        if descriptions is not None:
            band.SetDescription(descriptions[i])
        if nodata is not None:
            band.SetNoDataValue(nodata)
        if band_tags is not None:
            band.SetMetadata(band_tags[i])
        if scale_offset is not None:
            band.SetScale(scale_offset[0])
            band.SetOffset(scale_offset[1])
    dataset.FlushCache()
    dataset = None
    return str(path)


@pytest.fixture(scope="session")
def write_raster():
    """The GeoTIFF writer above, as a fixture (test modules here are not a package)."""
    return _write_raster


@pytest.fixture(scope="session")
def sample_dn() -> np.ndarray:
    """The sample's raw DN as (T, B, H, W) uint16, read straight with GDAL."""
    dataset = gdal.Open(str(SAMPLE_STACK))
    return dataset.ReadAsArray().reshape(5, 13, dataset.RasterYSize, dataset.RasterXSize)


@pytest.fixture(scope="session")
def sample_crop(sample_dn) -> np.ndarray:
    """A 24 x 16 crop (T, B, 16, 24) of the sample, small enough to rewrite in many layouts."""
    return np.ascontiguousarray(sample_dn[:, :, 10:26, 30:54])


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Engine tests pin torch to one thread: beside other jobs on 2 cores, torch's OpenMP threads spin-wait
    (measured 8-10x slower with 2 threads than with 1 on a loaded machine). The product itself uses all cores."""
    try:
        import torch
    except ImportError:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


class SampleRegion:
    """The bundled model on 120 pixels (12 x 10) of the real sample, its cloudy dates masked as shipped:
    ``run`` streams maps over the region, ``model_input`` computes in memory what the pass fed the model."""

    region = (30, 40, 12, 10)  # xoff, yoff, xsize, ysize

    def __init__(self):
        from land_cover_xai_plugin.engine.data.validity import ValidityConfig
        from land_cover_xai_plugin.engine.models.model_file import load_model

        self.bundle = load_model(str(SAMPLE / "sample_model.lcx"))
        self.validity = ValidityConfig(0.5)

    def run(self, out_dir, methods):
        """``run_inference`` of ``methods`` over the region (one torch thread)."""
        from land_cover_xai_plugin.engine.inference.streaming import InferenceRequest, run_inference

        return run_inference(InferenceRequest(
            stack_paths=[str(SAMPLE_STACK)], bundle=self.bundle, out_dir=str(out_dir), validity=self.validity,
            methods=set(methods), region=self.region, threads=1))

    def model_input(self):
        """(model, the date game of the pass, the region's (120, B, T) input tensor) computed in memory."""
        import torch

        from land_cover_xai_plugin.engine.data.windows import InputSpec, Window, batch_input, prepare
        from land_cover_xai_plugin.engine.explain.explainer import PassSetup
        from land_cover_xai_plugin.engine.explain.methods import date_occlusion
        from land_cover_xai_plugin.engine.io.stack import open_stack

        stack = open_stack([str(SAMPLE_STACK)])
        try:
            model = self.bundle.build("cpu").eval()
            inputs = InputSpec.for_model(self.bundle, stack, 2, self.validity)
            game = date_occlusion.date_game(PassSetup(model, self.bundle, stack, inputs.band_order, "cpu", None,
                                                      inputs=inputs))
            prepared = prepare(stack, Window(*self.region), inputs)
            n = self.region[2] * self.region[3]
            x = torch.from_numpy(np.ascontiguousarray(batch_input(prepared, np.arange(n), 1)))
        finally:
            stack.close()
        return model, game, x


@pytest.fixture
def sample_region():
    """The bundled model on 120 pixels of the sample (:class:`SampleRegion`); skips when the model is missing."""
    if not (SAMPLE / "sample_model.lcx").exists():
        pytest.skip("bundled sample missing")
    return SampleRegion()
