"""Pixel-explanation map tool in the real QGIS: a click at a known pixel of the tiny sample stack (map in
another CRS) yields that pixel's explanation, equal to engine explain_pixel called directly; the class
selector recomputes for another class; a click outside the raster gives a message and no task."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("captum")

from pytest_qgis.utils import wait_until
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsPointXY,
    QgsProject,
    QgsRasterLayer,
)
from qgis.gui import QgsMapCanvas, QgsMapMouseEvent
from qgis.PyQt.QtCore import QEvent, QPoint, Qt

from land_cover_xai_plugin.engine.errors import LcxError
from land_cover_xai_plugin.gui.pixel.pixel_plots import figure_png
from land_cover_xai_plugin.gui.pixel.pixel_tool import PixelExplainTool

SHAP_SAMPLES = 6
IG_STEPS = 8
ROW, COL = 5, 3


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, sample_dir):
    """An attention model with random weights on the tiny stack's bands / dates (no training needed)."""
    from land_cover_xai_plugin.engine.models.model_file import bundle_from_module, classes_from_names, save_model
    from land_cover_xai_plugin.engine.models import ModelSpec, build_model
    from land_cover_xai_plugin.engine.io.stack import open_stack

    stack = open_stack([str(sample_dir / "tiny" / "s2_l1c_tiny.tif")])
    x = stack.read_all()  # (T, B, H, W)
    mean = np.nanmean(x, axis=(0, 2, 3)).astype(float).tolist()
    std = (np.nanstd(x, axis=(0, 2, 3)) + 1e-3).astype(float).tolist()
    spec = ModelSpec(arch="attention", n_bands=stack.n_bands, n_dates=stack.n_dates, n_classes=4,
                     norm_mean=mean, norm_std=std, band_width=4, fusion_width=16)
    torch.manual_seed(0)
    model = build_model(spec).eval()
    names = {2: "forest", 3: "grassland", 4: "shrubland", 8: "artificial surface"}
    bundle = bundle_from_module(model, spec, stack.bands, [d.isoformat() for d in stack.dates],
                                classes_from_names(names), scaling=stack.scaling)
    path = tmp_path_factory.mktemp("model") / "tiny_attention.lcx"
    save_model(str(path), bundle)
    stack.close()
    return str(path)


@pytest.fixture()
def canvas(qgis_app, sample_dir):
    """A canvas in Web Mercator (not the stack's UTM) showing the tiny stack."""
    layer = QgsRasterLayer(str(sample_dir / "tiny" / "s2_l1c_tiny.tif"), "tiny", "gdal")
    QgsProject.instance().addMapLayer(layer)
    canvas = QgsMapCanvas()
    canvas.resize(640, 640)
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    transform = QgsCoordinateTransform(layer.crs(), canvas.mapSettings().destinationCrs(), QgsProject.instance())
    canvas.setLayers([layer])
    canvas.setExtent(transform.transformBoundingBox(layer.extent()))
    canvas.show()
    yield canvas
    canvas.hide()
    canvas.deleteLater()
    QgsProject.instance().removeMapLayer(layer.id())


def pixel_centre_on_map(canvas, sample_dir, row, col) -> QgsPointXY:
    from land_cover_xai_plugin.engine.io.stack import open_stack

    stack = open_stack([str(sample_dir / "tiny" / "s2_l1c_tiny.tif")])
    x0, a, _, y0, _, e = stack.grid.geotransform
    stack.close()
    to_map = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:32633"),
                                    canvas.mapSettings().destinationCrs(), QgsProject.instance())
    return to_map.transform(QgsPointXY(x0 + (col + 0.5) * a, y0 + (row + 0.5) * e))


def click(tool, canvas, map_point: QgsPointXY) -> None:
    pixel = canvas.getCoordinateTransform().transform(map_point)
    event = QgsMapMouseEvent(canvas, QEvent.Type.MouseButtonRelease, QPoint(round(pixel.x()), round(pixel.y())),
                             Qt.MouseButton.LeftButton)
    tool.canvasReleaseEvent(event)


def test_click_explains_that_pixel(canvas, tiny_model, sample_dir, tmp_path):
    from land_cover_xai_plugin.engine.explain.pixel import explain_pixel
    from land_cover_xai_plugin.engine.models.model_file import load_model
    from land_cover_xai_plugin.engine.io.stack import open_stack

    stack_path = str(sample_dir / "tiny" / "s2_l1c_tiny.tif")
    tool = PixelExplainTool(canvas, lambda: ([stack_path], tiny_model), shap_samples=SHAP_SAMPLES,
                            ig_steps=IG_STEPS)
    canvas.setMapTool(tool)
    click(tool, canvas, pixel_centre_on_map(canvas, sample_dir, ROW, COL))
    assert tool.task is not None, tool.last_message
    ctx = tool.last_context
    assert (ctx.row, ctx.col) == (ROW, COL)
    assert ctx.map_crs == "EPSG:3857" and ctx.stack_crs == "EPSG:32633"
    assert wait_until(lambda: not tool.is_busy(), timeout_milliseconds=45_000)
    data = tool.last_data
    assert data is not None, tool.last_message
    panel = tool.dialog.panel
    assert panel.data is data

    bundle = load_model(tiny_model)
    stack = open_stack([stack_path])
    expected = explain_pixel(bundle, stack, ROW, COL, shap_samples=SHAP_SAMPLES, ig_steps=IG_STEPS)
    raw = stack.read_window(COL, ROW, 1, 1)[:, :, 0, 0].T  # (B, T)
    stack.close()

    assert data.probabilities.shape == (4,) and abs(float(data.probabilities.sum()) - 1.0) < 1e-5
    np.testing.assert_allclose(data.probabilities, expected.probabilities, rtol=1e-5, atol=1e-6)
    assert data.predicted_id == expected.predicted_id == data.target_id
    np.testing.assert_allclose(data.series, raw, rtol=1e-6)
    np.testing.assert_allclose(data.filled, raw, rtol=1e-6)  # the tiny stack has no gap
    assert data.gradcam.shape == (len(data.dates),) == (3,)
    np.testing.assert_allclose(data.gradcam, expected.gradcam, rtol=1e-4, atol=1e-6)
    assert data.attention.shape == (13,)
    np.testing.assert_allclose(data.shap_bands, expected.shap_by_band, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(data.shap_dates, expected.shap_by_date, rtol=1e-4, atol=1e-6)
    # location shown to the user: map point, stack point, row / col
    text = panel.location_label.text()
    assert "EPSG:3857" in text and "EPSG:32633" in text and f"row {ROW}" in text and f"column {COL}" in text

    assert panel.save_button.isEnabled()
    png = panel.save_png(str(tmp_path / "pixel.png"))
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"

    # the class selector: explain another class
    other = next(c for c in data.class_ids if c != data.predicted_id)
    tool.last_data = None
    panel.class_combo.setCurrentIndex(panel.class_combo.findData(other))
    assert wait_until(lambda: not tool.is_busy(), timeout_milliseconds=45_000)
    assert tool.last_data.target_id == other and tool.last_data.predicted_id == data.predicted_id
    assert panel.current_target() == other
    # a new click keeps the class chosen in the panel
    tool.last_data = None
    click(tool, canvas, pixel_centre_on_map(canvas, sample_dir, ROW + 1, COL))
    assert wait_until(lambda: not tool.is_busy(), timeout_milliseconds=45_000)
    assert tool.last_data.target_id == other and tool.last_data.context.row == ROW + 1
    tool.shutdown()
    assert tool.dialog is None and tool.marker is None


def test_click_outside_the_raster_says_so(canvas, tiny_model, sample_dir):
    stack_path = str(sample_dir / "tiny" / "s2_l1c_tiny.tif")
    tool = PixelExplainTool(canvas, lambda: ([stack_path], tiny_model), shap_samples=SHAP_SAMPLES)
    outside = pixel_centre_on_map(canvas, sample_dir, -40, 100)
    assert tool.explain_map_point(outside) is None
    assert tool.task is None
    assert "outside" in tool.last_message and "Click inside" in tool.last_message
    tool.shutdown()


def test_a_model_that_does_not_fit_the_stack_is_reported(canvas, tmp_path, sample_dir):
    from land_cover_xai_plugin.engine.models.model_file import bundle_from_module, classes_from_names, save_model
    from land_cover_xai_plugin.engine.models import ModelSpec, build_model

    spec = ModelSpec(arch="tempcnn", n_bands=13, n_dates=5, n_classes=2, conv_width=4, dense_width=8)
    bands = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
    # a model of spring: the tiny stack's July-September dates do not cover its season
    dates = ["2015-04-01", "2015-04-21", "2015-05-11", "2015-05-31", "2015-06-20"]
    bundle = bundle_from_module(build_model(spec), spec, bands, dates, classes_from_names({1: "a", 2: "b"}))
    model_path = str(tmp_path / "spring.lcx")
    save_model(model_path, bundle)
    stack_path = str(sample_dir / "tiny" / "s2_l1c_tiny.tif")
    tool = PixelExplainTool(canvas, lambda: ([stack_path], model_path), shap_samples=2, ig_steps=2)
    task = tool.explain_map_point(pixel_centre_on_map(canvas, sample_dir, 2, 2))
    assert task is not None
    assert wait_until(lambda: not tool.is_busy(), timeout_milliseconds=30_000)
    assert task.outcome == "error" and tool.last_data is None
    assert "does not fit" in tool.last_message and "2015-04-01" in tool.last_message
    assert tool.dialog.panel.status_label.text() == tool.last_message
    tool.shutdown()


def test_missing_context_gives_the_providers_message(canvas, sample_dir):
    def provider():
        raise LcxError("Choose a model in the Classify tab first.")

    tool = PixelExplainTool(canvas, provider)
    messages = []
    tool.message.connect(lambda text, _level: messages.append(text))
    click(tool, canvas, pixel_centre_on_map(canvas, sample_dir, 1, 1))
    assert tool.task is None and messages == ["Choose a model in the Classify tab first."]
    tool.shutdown()


def test_png_fallback_renders(tiny_model, sample_dir, qgis_app):
    from land_cover_xai_plugin.engine.explain.pixel import explain_pixel
    from land_cover_xai_plugin.engine.models.model_file import load_model
    from land_cover_xai_plugin.engine.io.stack import open_stack
    from land_cover_xai_plugin.gui.pixel.pixel_plots import panel_data_from

    bundle = load_model(tiny_model)
    stack = open_stack([str(sample_dir / "tiny" / "s2_l1c_tiny.tif")])
    data = panel_data_from(explain_pixel(bundle, stack, 0, 0, shap_samples=2, ig_steps=4), bundle)
    stack.close()
    data.series[:, 1] = np.nan  # a missing date is drawn, not an error
    assert figure_png(data, 6, 5, 50)[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_class_name_is_a_target_as_in_the_other_front_ends(canvas, tiny_model, sample_dir):
    stack_path = str(sample_dir / "tiny" / "s2_l1c_tiny.tif")
    tool = PixelExplainTool(canvas, lambda: ([stack_path], tiny_model), shap_samples=2, ig_steps=2)
    point = pixel_centre_on_map(canvas, sample_dir, ROW, COL)
    assert tool.explain_map_point(point, target="Grassland") is not None  # names are case-insensitive
    assert wait_until(lambda: not tool.is_busy(), timeout_milliseconds=45_000)
    assert tool.last_data is not None, tool.last_message
    assert tool.last_data.target_id == 3 and tool.dialog.panel.current_target() == 3
    # a name the model does not know: the engine's message, listing the classes
    tool.last_data = None
    task = tool.explain_map_point(point, target="cloud")
    assert wait_until(lambda: not tool.is_busy(), timeout_milliseconds=45_000)
    assert task.outcome == "error" and tool.last_data is None
    assert "'cloud' is not a class" in tool.last_message and "3 (grassland)" in tool.last_message
    tool.shutdown()


def test_cloudy_dates_come_from_the_stack_info(tmp_path, sample_dir, qgis_app):
    """The real sample declares 2015-07-31 and 2015-08-20 fully cloudy (band tags): the panel flags them."""
    from model_factory import make_model

    from land_cover_xai_plugin.engine.explain.pixel import explain_pixel
    from land_cover_xai_plugin.engine.io.stack import open_stack
    from land_cover_xai_plugin.engine.models.model_file import load_model
    from land_cover_xai_plugin.gui.pixel.pixel_plots import cloudy_dates, panel_data_from

    stack_path = str(sample_dir / "s2_l1c_stack.tif")
    bundle = load_model(make_model(stack_path, str(tmp_path / "sample.lcx")))
    with open_stack(stack_path) as stack:
        explanation = explain_pixel(bundle, stack, 50, 50, shap_samples=2, ig_steps=2)
        data = panel_data_from(explanation, bundle, stack.info())
        unknown = panel_data_from(explanation, bundle)
    assert data.cloud_fraction == [0.0, 1.0, 1.0, 0.0, 0.0]
    assert cloudy_dates(data).tolist() == [False, True, True, False, False]
    assert unknown.cloud_fraction is None and not cloudy_dates(unknown).any()
    np.testing.assert_allclose(data.ig_bands, explanation.ig.sum(axis=1), rtol=1e-5)
    assert data.class_colors[data.class_ids.index(2)] == "#1b7837"  # forest, the model's own colour
    assert figure_png(data, 6, 5, 50)[:8] == b"\x89PNG\r\n\x1a\n"
