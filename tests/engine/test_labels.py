"""Field data -> labels on the stack grid: the real polygons, a reprojected copy, points, errors."""
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

import land_cover_xai_plugin
from land_cover_xai_plugin.engine.errors import LabelsError
from land_cover_xai_plugin.engine.io.labels import LabelRaster, rasterize_field_data, read_label_raster
from land_cover_xai_plugin.engine.io.stack import Grid, open_stack

SAMPLE = Path(land_cover_xai_plugin.__file__).resolve().parent / "sample_data"
POLYGONS = str(SAMPLE / "lulc_field_polygons.gpkg")
LABELS_TIF = str(SAMPLE / "labels_lulc.tif")


@pytest.fixture(scope="module")
def grid() -> Grid:
    with open_stack(str(SAMPLE / "s2_l1c_stack.tif")) as stack:
        return stack.grid


@pytest.fixture(scope="module")
def reference(grid) -> np.ndarray:
    return read_label_raster(LABELS_TIF, grid).labels


def test_sample_polygons_reproduce_the_label_raster(grid, reference):
    result = rasterize_field_data(POLYGONS, grid, "LULC_ID", layer="LULC", name_field="LULC_NAME")
    assert isinstance(result, LabelRaster) and result.labels.dtype == np.int32
    assert result.labels.shape == (101, 100)
    assert (result.labels == reference).mean() >= 0.999
    assert result.class_names == {1: "cultivated land", 2: "forest", 3: "grassland", 4: "schrubland",
                                  8: "artificial surface"}
    assert result.counts() == {1: 11, 2: 7601, 3: 1777, 4: 358, 8: 198}


def test_text_class_field_gets_sorted_ids(grid, reference):
    result = rasterize_field_data(POLYGONS, grid, "LULC_NAME")
    assert result.class_names == {1: "artificial surface", 2: "cultivated land", 3: "forest", 4: "grassland",
                                  5: "schrubland"}
    assert ((result.labels == 3) == (reference == 2)).all()  # forest, under its text id
    assert ((result.labels == 0) == (reference == 0)).all()


def test_reprojected_copy_agrees(tmp_path, grid, reference):
    wgs84 = str(tmp_path / "lulc_4326.gpkg")
    gdal.VectorTranslate(wgs84, POLYGONS, options=gdal.VectorTranslateOptions(dstSRS="EPSG:4326", layers=["LULC"]))
    result = rasterize_field_data(wgs84, grid, "lulc_id")  # field name case is forgiven
    agreement = (result.labels == reference).mean()
    assert agreement >= 0.97, agreement


def test_points_burn_the_pixel_they_fall_in(tmp_path, grid):
    path = str(tmp_path / "points.geojson")
    driver = ogr.GetDriverByName("GeoJSON")
    source = driver.CreateDataSource(path)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    layer = source.CreateLayer("points", srs=srs, geom_type=ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("cls", ogr.OFTInteger))
    x0, dx, _, y0, _, dy = grid.geotransform
    placed = {(3, 5): 7, (50, 60): 2, (100, 100): 9}  # (row, col): class; the last lies outside the grid
    for (row, col), class_id in placed.items():
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("cls", class_id)
        point = ogr.Geometry(ogr.wkbPoint)
        point.AddPoint_2D(x0 + (col + 0.3) * dx, y0 + (row + 0.6) * dy)
        feature.SetGeometry(point)
        layer.CreateFeature(feature)
    source = None
    result = rasterize_field_data(path, grid, "cls")
    assert result.labels[3, 5] == 7 and result.labels[50, 60] == 2
    assert (result.labels != 0).sum() == 2
    assert result.class_names == {2: "2", 7: "7"}


def test_missing_field_lists_the_available_ones(grid):
    with pytest.raises(LabelsError, match=r"LULC_ID, LULC_NAME"):
        rasterize_field_data(POLYGONS, grid, "class")
    with pytest.raises(LabelsError, match="no layer 'roads'.*LULC"):
        rasterize_field_data(POLYGONS, grid, "LULC_ID", layer="roads")


def test_no_overlap_gives_both_extents(tmp_path, grid):
    # a classic mistake: UTM 33 coordinates labelled as UTM zone 32, i.e. ~600 km off once reprojected
    far = str(tmp_path / "far.gpkg")
    gdal.VectorTranslate(far, POLYGONS, options=gdal.VectorTranslateOptions(
        dstSRS="EPSG:32632", reproject=False, layers=["LULC"]))
    with pytest.raises(LabelsError, match=r"does not overlap.*465181") as error:
        rasterize_field_data(far, grid, "LULC_ID")
    assert "CRS" in str(error.value)


def test_label_raster_on_another_grid_is_refused(tmp_path, grid):
    shifted = str(tmp_path / "shifted.tif")
    gdal.Translate(shifted, LABELS_TIF, options=gdal.TranslateOptions(srcWin=[1, 1, 99, 100]))
    with pytest.raises(LabelsError, match="not on the stack's grid.*gdalwarp"):
        read_label_raster(shifted, grid)
    with pytest.raises(LabelsError, match="not found"):
        read_label_raster(str(tmp_path / "none.tif"), grid)
    with pytest.raises(LabelsError, match="not found"):
        rasterize_field_data(str(tmp_path / "none.gpkg"), grid, "x")


def test_label_raster_nodata_and_category_names(tmp_path, grid):
    path = str(tmp_path / "labels.tif")
    dataset = gdal.GetDriverByName("GTiff").Create(path, grid.width, grid.height, 1, gdal.GDT_Int16)
    dataset.SetGeoTransform(grid.geotransform)
    dataset.SetProjection(grid.crs_wkt)
    data = np.full((grid.height, grid.width), 3, np.int16)
    data[0, :10] = -1
    band = dataset.GetRasterBand(1)
    band.WriteArray(data)
    band.SetNoDataValue(-1)
    band.SetCategoryNames(["none", "", "", "grass"])
    dataset = None
    result = read_label_raster(path, grid)
    assert (result.labels[0, :10] == 0).all() and result.class_names == {3: "grass"}
