"""validate_map on real GDAL files (the bundled Slovenian sample), and the CSV / HTML / PNG exports."""
import html.parser
import json
import math
import re

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

from land_cover_xai_plugin.engine.errors import LabelsError, StackError
from land_cover_xai_plugin.engine.accuracy.metrics import report_from_matrix
from land_cover_xai_plugin.engine.accuracy.validation import (
    CSV_SECTION_AREA,
    CSV_SECTION_MATRIX,
    CSV_SECTION_PER_CLASS,
    CSV_SECTION_SUMMARY,
    confusion_matrix_figure,
    read_report_csv,
    validate_map,
    write_report_csv,
    write_report_html,
)

gdal.UseExceptions()


@pytest.fixture(scope="module")
def labels_tif(sample_dir):
    return str(sample_dir / "labels_lulc.tif")


@pytest.fixture(scope="module")
def polygons(sample_dir):
    return str(sample_dir / "lulc_field_polygons.gpkg")


def read_array(path):
    ds = gdal.Open(path)
    return ds.GetRasterBand(1).ReadAsArray(), ds.GetGeoTransform(), ds.GetProjection()


def write_map(path, array, like_path, nodata=0, names=None, colors=None):
    """A class map on the grid of ``like_path``."""
    like = gdal.Open(like_path)
    ds = gdal.GetDriverByName("GTiff").Create(str(path), like.RasterXSize, like.RasterYSize, 1, gdal.GDT_Byte)
    ds.SetGeoTransform(like.GetGeoTransform())
    ds.SetProjection(like.GetProjection())
    band = ds.GetRasterBand(1)
    band.WriteArray(array.astype(np.uint8))
    if nodata is not None:
        band.SetNoDataValue(nodata)
    if colors:
        table = gdal.ColorTable()
        for cid, rgb in colors.items():
            table.SetColorEntry(cid, (*rgb, 255))
        band.SetRasterColorTable(table)
    if names:
        band.SetCategoryNames(names)
    ds = None
    return str(path)


def test_labels_raster_validated_against_its_own_polygons_is_near_perfect(labels_tif, polygons):
    report = validate_map(labels_tif, polygons, "LULC_ID", name_field="LULC_NAME")
    labels, gt, _ = read_array(labels_tif)
    assert report.overall_accuracy > 0.99
    assert report.kappa > 0.98
    # every class of the sample is there, with the names from the field data
    assert {1, 2, 3, 4, 8} <= set(report.class_ids)
    assert report.name_of(2) == "forest"
    # samples: labelled pixels that the map classifies (map no-data 0 excluded)
    assert 0 < report.n_samples <= int((labels > 0).sum())
    # mapped areas: pixel counts x pixel area, in hectares (10 m pixels ~ 0.01 ha)
    area = report.area_adjusted
    assert area.area_unit == "ha"
    pixel_ha = abs(gt[1] * gt[5]) / 10_000
    assert area.total_area == pytest.approx((labels > 0).sum() * pixel_ha)
    assert area.mapped_area[report.class_ids.index(2)] == pytest.approx((labels == 2).sum() * pixel_ha)
    assert report.sources["class field"] == "LULC_ID"


def test_perturbed_map_loses_exactly_the_pixels_changed(tmp_path, labels_tif, polygons):
    baseline = validate_map(labels_tif, polygons, "LULC_ID")
    labels, _, _ = read_array(labels_tif)
    perturbed = labels.copy()
    # grassland (3) in the top half becomes forest (2); one block becomes a class the field data lacks (9)
    top = np.zeros(labels.shape, bool)
    top[: labels.shape[0] // 2] = True
    to_forest = top & (labels == 3)
    perturbed[to_forest] = 2
    block = np.zeros(labels.shape, bool)
    block[80:90, 10:20] = True
    block &= labels > 0
    perturbed[block] = 9
    path = write_map(tmp_path / "perturbed.tif", perturbed, labels_tif)

    report = validate_map(path, polygons, "LULC_ID")
    assert report.n_samples == baseline.n_samples
    diag_lost = np.trace(baseline.matrix) - np.trace(report.matrix)
    assert 0 < diag_lost <= to_forest.sum() + block.sum()
    assert report.overall_accuracy == pytest.approx(
        baseline.overall_accuracy - diag_lost / baseline.n_samples)
    assert report.overall_accuracy < baseline.overall_accuracy - 0.05
    # grassland is now under-mapped: its producer's accuracy drops, forest's user's accuracy drops
    k = {cid: i for i, cid in enumerate(report.class_ids)}
    assert report.producers_accuracy[k[3]] < baseline.producers_accuracy[baseline.class_ids.index(3)]
    assert report.users_accuracy[k[2]] < baseline.users_accuracy[baseline.class_ids.index(2)]
    # class 9: only in the map -> in the report, with no reference support
    assert 9 in report.class_ids and report.support[k[9]] == 0 and report.map_count[k[9]] > 0
    assert math.isnan(report.producers_accuracy[k[9]])
    json.dumps(report.to_dict(), allow_nan=False)


def _pixel_centre(gt, row, col):
    return gt[0] + (col + 0.5) * gt[1], gt[3] + (row + 0.5) * gt[5]


def write_points(path, points, map_crs_wkt, out_epsg=4326, field="cls"):
    """Points (x, y in the map CRS, class id) written reprojected to ``out_epsg``."""
    src = osr.SpatialReference()
    src.ImportFromWkt(map_crs_wkt)
    dst = osr.SpatialReference()
    dst.ImportFromEPSG(out_epsg)
    for srs in (src, dst):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    transform = osr.CoordinateTransformation(src, dst)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer("field_points", dst, ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn(field, ogr.OFTInteger))
    layer.CreateField(ogr.FieldDefn("note", ogr.OFTString))
    for x, y, cid in points:
        feature = ogr.Feature(layer.GetLayerDefn())
        lon, lat, _ = transform.TransformPoint(x, y)
        point = ogr.Geometry(ogr.wkbPoint)
        point.AddPoint_2D(lon, lat)
        feature.SetGeometry(point)
        feature.SetField(field, int(cid))
        layer.CreateFeature(feature)
    ds = None
    return str(path)


def test_points_in_another_crs(tmp_path, labels_tif):
    labels, gt, wkt = read_array(labels_tif)
    rng = np.random.default_rng(7)
    rows, cols = np.nonzero(labels > 0)
    pick = rng.choice(rows.size, size=40, replace=False)
    points = []
    for n, i in enumerate(pick):
        truth = int(labels[rows[i], cols[i]])
        # the first 10 points get a wrong reference class (another class of the sample)
        reference = truth if n >= 10 else (2 if truth != 2 else 3)
        points.append((*_pixel_centre(gt, rows[i], cols[i]), reference))
    path = write_points(tmp_path / "points.gpkg", points, wkt, out_epsg=4326)

    report = validate_map(labels_tif, path, "cls")
    assert report.n_samples == 40
    assert report.overall_accuracy == pytest.approx(30 / 40)


def test_category_names_and_colours_come_from_the_map(tmp_path, labels_tif, polygons):
    labels, _, _ = read_array(labels_tif)
    names = ["", "cultivated", "forest", "grassland", "shrubland", "", "", "", "artificial"]
    path = write_map(tmp_path / "named.tif", labels, labels_tif, names=names, colors={2: (0, 128, 0)})
    report = validate_map(path, polygons, "LULC_ID")
    assert report.name_of(8) == "artificial"
    assert report.class_colors[2] == "#008000"


def test_class_field_missing_lists_available_fields(labels_tif, polygons):
    with pytest.raises(LabelsError) as err:
        validate_map(labels_tif, polygons, "CLASS")
    message = str(err.value)
    assert "CLASS" in message and "LULC_ID" in message and "LULC_NAME" in message


def test_no_overlap_says_so(tmp_path, labels_tif):
    _, gt, wkt = read_array(labels_tif)
    far = [(gt[0] + 50_000, gt[3] + 50_000, 2), (gt[0] + 50_010, gt[3] + 50_000, 3)]
    path = write_points(tmp_path / "far.gpkg", far, wkt)
    with pytest.raises(LabelsError, match="overlap"):
        validate_map(labels_tif, path, "cls")


def test_unreadable_or_non_class_map(tmp_path, labels_tif, polygons):
    with pytest.raises(StackError):
        validate_map(str(tmp_path / "missing.tif"), polygons, "LULC_ID")
    bad = tmp_path / "not_a_raster.tif"
    bad.write_text("hello")
    with pytest.raises(StackError):
        validate_map(str(bad), polygons, "LULC_ID")
    like = gdal.Open(labels_tif)
    probs = gdal.GetDriverByName("GTiff").Create(str(tmp_path / "probs.tif"), like.RasterXSize, like.RasterYSize,
                                                1, gdal.GDT_Float32)
    probs.SetGeoTransform(like.GetGeoTransform())
    probs.SetProjection(like.GetProjection())
    probs.GetRasterBand(1).WriteArray(np.full((like.RasterYSize, like.RasterXSize), 0.37, np.float32))
    probs = None
    with pytest.raises(StackError, match="class"):
        validate_map(str(tmp_path / "probs.tif"), polygons, "LULC_ID")
    empty = write_map(tmp_path / "empty.tif", np.zeros((like.RasterYSize, like.RasterXSize)), labels_tif)
    with pytest.raises(StackError, match="no classified pixel"):
        validate_map(empty, polygons, "LULC_ID")


# --- exports (no GDAL needed: a report built from a matrix) ---------------------------------------

@pytest.fixture()
def small_report():
    matrix = [[50, 3, 0], [4, 30, 1], [0, 2, 10]]  # rows = reference
    report = report_from_matrix(matrix, [1, 2, 8], {1: "crop <b>&</b>", 2: "forest", 8: "artificial"},
                                mapped_area={1: 120.5, 2: 300.0, 8: 40.25}, area_unit="ha")
    report.sources = {"classification": "/data/map.tif"}
    report.class_colors = {2: "#00aa00"}
    return report


def test_csv_round_trip(tmp_path, small_report):
    path = write_report_csv(small_report, str(tmp_path / "report.csv"))
    sections = read_report_csv(path)
    matrix_rows = sections[CSV_SECTION_MATRIX]
    assert matrix_rows[0][0] == "reference \\ map" and matrix_rows[0][-1] == "total"
    counts = [[int(v) for v in row[1:-1]] for row in matrix_rows[1:-1]]
    assert counts == small_report.matrix.tolist()
    assert matrix_rows[1][0] == "crop <b>&</b> (1)"
    per_class = sections[CSV_SECTION_PER_CLASS]
    header = per_class[0]
    for k, row in enumerate(per_class[1:]):
        values = dict(zip(header, row))
        assert int(values["id"]) == small_report.class_ids[k]
        assert float(values["users_accuracy"]) == small_report.users_accuracy[k]
        assert float(values["producers_accuracy"]) == small_report.producers_accuracy[k]
    area_rows = sections[CSV_SECTION_AREA]
    estimated = [float(dict(zip(area_rows[0], r))["estimated area (ha)"]) for r in area_rows[1:]]
    assert estimated == pytest.approx(small_report.area_adjusted.estimated_area.tolist(), rel=1e-12)
    summary = dict(sections[CSV_SECTION_SUMMARY][1:])
    assert float(summary["overall_accuracy"]) == small_report.overall_accuracy
    assert float(summary["kappa"]) == small_report.kappa
    assert int(summary["samples"]) == small_report.n_samples


class _Collector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text, self.srcs = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        for key in ("src", "href"):
            if key in attrs:
                self.srcs.append(attrs[key])

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_self_contained_escaped_and_carries_the_numbers(tmp_path, small_report):
    path = write_report_html(small_report, str(tmp_path / "report.html"))
    page = open(path, encoding="utf-8").read()
    parser = _Collector()
    parser.feed(page)
    parser.close()
    text = " ".join(parser.text)
    assert parser.tags.count("table") >= 4 and "style" in parser.tags
    assert all(src.startswith("data:image/png;base64,") for src in parser.srcs) and parser.srcs
    assert f"{small_report.overall_accuracy:.3f}" in text
    assert f"{small_report.kappa:.3f}" in text
    assert f"{small_report.macro_f1:.3f}" in text
    assert str(small_report.n_samples) in text
    area = small_report.area_adjusted
    assert f"{area.overall_accuracy:.3f} ± {area.overall_accuracy_ci95:.3f}" in text
    # the class name is shown as text, never as markup
    assert "crop <b>&</b>" in text and "<b>&</b>" not in page
    assert "How to read this" in text
    assert re.search(r'class="swatch" style="background:#00aa00"', page)


def test_report_texts_give_the_page_and_the_figure_their_words(tmp_path, small_report):
    """Every English word of the page comes from ReportTexts: a front end's words replace them all, notes and
    class names go through its translators, and the figure draws its axis labels and title from them."""
    import dataclasses

    from matplotlib.text import Text

    from land_cover_xai_plugin.engine.accuracy import validation

    small_report.notes = ["some note"]
    english = validation.ENGLISH
    def shout(text):  # upper case, the {slots} kept
        return re.sub(r"[^{}]+(?=\{|$)|(?<=\})[^{}]+", lambda m: m.group(0).upper(), text)

    upper = {f.name: shout(getattr(english, f.name)) for f in dataclasses.fields(english)
             if isinstance(getattr(english, f.name), str) and f.name != "language"}
    texts = validation.ReportTexts(language="xx", **upper, guide=("<b>GUIDE</b> ITEM",),
                                   note=lambda n: f"NOTE[{n}]", class_name=lambda n: f"NAME[{n}]",
                                   source_text=lambda s: f"SRC[{s}]")
    page = validation.report_html_text(small_report, texts)
    assert '<html lang="xx">' in page and "<h1>ACCURACY ASSESSMENT</h1>" in page
    assert "NOTE[some note]" in page and "<li><b>GUIDE</b> ITEM</li>" in page
    assert html.escape(f"NAME[{small_report.name_of(small_report.class_ids[0])}]") in page  # escaped, as before
    assert "How to read this" not in page and "Per-class accuracy" not in page and "PER-CLASS ACCURACY" in page
    assert validation.report_html_text(small_report) != page  # the default is still English
    assert "How to read this" in validation.report_html_text(small_report)

    import matplotlib.figure

    drawn = []
    keep = matplotlib.figure.Figure.savefig

    def spy(self, *args, **kwargs):
        drawn.extend(t.get_text() for t in self.findobj(Text) if t.get_text())
        return keep(self, *args, **kwargs)

    matplotlib.figure.Figure.savefig = spy
    try:
        assert validation._figure_png(small_report, texts)[:4] == b"\x89PNG"
    finally:
        matplotlib.figure.Figure.savefig = keep
    assert {"MAP", "REFERENCE (FIELD DATA)", "SHARE OF THE REFERENCE CLASS (ROW)"} <= set(drawn)
    assert any(t.startswith("CONFUSION MATRIX, N = ") for t in drawn)
    assert any(t.startswith("NAME[") for t in drawn)


def test_confusion_matrix_figure_is_a_png(tmp_path, small_report):
    path = confusion_matrix_figure(small_report, str(tmp_path / "cm.png"))
    with open(path, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


def test_text_class_field_is_matched_to_the_map_by_name(tmp_path, labels_tif, polygons):
    labels, _, _ = read_array(labels_tif)
    # the field data spells "schrubland"; a map that spells it the same way matches perfectly
    names = ["", "Cultivated land", "forest", "grassland", "schrubland", "", "", "", "artificial surface"]
    same = write_map(tmp_path / "same.tif", labels, labels_tif, names=names)
    report = validate_map(same, polygons, "LULC_NAME")
    assert report.overall_accuracy > 0.99
    assert report.class_ids == [1, 2, 3, 4, 8]
    # a map that spells it "shrubland" (as classes.csv does): the field's "schrubland" stays apart
    names[4] = "shrubland"
    other = write_map(tmp_path / "other.tif", labels, labels_tif, names=names)
    report = validate_map(other, polygons, "LULC_NAME")
    k = {cid: i for i, cid in enumerate(report.class_ids)}
    assert report.name_of(9) == "schrubland" and report.support[k[9]] == (labels == 4).sum()
    assert report.map_count[k[4]] == (labels == 4).sum() and report.support[k[4]] == 0
    assert any("schrubland" in n for n in report.notes)


def test_geographic_map_gets_areas_in_hectares(tmp_path):
    # 40 x 40 cells of 0.0001 degree near Ljubljana (46 N): ~7.7 m x 11.1 m each
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    gt = (14.5, 0.0001, 0.0, 46.0, 0.0, -0.0001)
    classes = np.ones((40, 40), np.uint8)
    classes[:, 20:] = 2
    ds = gdal.GetDriverByName("GTiff").Create(str(tmp_path / "geo.tif"), 40, 40, 1, gdal.GDT_Byte)
    ds.SetGeoTransform(gt)
    ds.SetProjection(wgs84.ExportToWkt())
    ds.GetRasterBand(1).WriteArray(classes)
    ds = None
    utm = osr.SpatialReference()
    utm.ImportFromEPSG(32633)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    utm.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_utm = osr.CoordinateTransformation(wgs84, utm)
    points = []
    for row, col, cid in [(5, 5, 1), (30, 10, 1), (5, 30, 2), (30, 35, 1)]:
        x, y, _ = to_utm.TransformPoint(*_pixel_centre(gt, row, col))
        points.append((x, y, cid))
    field = write_points(tmp_path / "utm_points.gpkg", points, utm.ExportToWkt(), out_epsg=32633)

    report = validate_map(str(tmp_path / "geo.tif"), field, "cls")
    assert report.n_samples == 4 and report.overall_accuracy == pytest.approx(0.75)
    area = report.area_adjusted
    assert area.area_unit == "ha"
    radius = 6_371_007.2
    cell_ha = (radius * math.radians(0.0001)) ** 2 * math.cos(math.radians(45.998)) / 10_000
    assert area.mapped_area == pytest.approx([800 * cell_ha, 800 * cell_ha], rel=2e-3)


def test_field_data_only_on_map_nodata(tmp_path, labels_tif, polygons):
    labels, _, _ = read_array(labels_tif)
    corner = np.zeros_like(labels)
    corner[:5, :5] = 2
    path = write_map(tmp_path / "corner.tif", corner, labels_tif)
    report = validate_map(path, polygons, "LULC_ID")  # the polygons reach the corner: fine, with a note
    assert report.n_samples <= 25 and any("no-data" in n for n in report.notes)
    points_far_from_corner = [(*_pixel_centre(gdal.Open(labels_tif).GetGeoTransform(), 60, 60), 2)]
    field = write_points(tmp_path / "p.gpkg", points_far_from_corner, gdal.Open(labels_tif).GetProjection())
    with pytest.raises(LabelsError, match="unclassified"):
        validate_map(path, field, "cls")


# --- codes that are not the map's, validation on the training data, safe reports ---------------------------

# A model trained on the class *names* numbers them 1..K alphabetically (as training does).
NAME_IDS = {"artificial surface": 1, "cultivated land": 2, "forest": 3, "grassland": 4, "schrubland": 5}
CODE_TO_NAME = {1: "cultivated land", 2: "forest", 3: "grassland", 4: "schrubland", 8: "artificial surface"}


def _map_trained_on_names(tmp_path, labels_tif):
    labels, _, _ = read_array(labels_tif)
    by_name = np.zeros_like(labels)
    for code, name in CODE_TO_NAME.items():
        by_name[labels == code] = NAME_IDS[name]
    names = [""] * 6
    for name, cid in NAME_IDS.items():
        names[cid] = name
    return write_map(tmp_path / "by_name.tif", by_name, labels_tif, names=names)


def test_code_field_against_a_map_of_name_ids_is_matched_by_name(tmp_path, labels_tif, polygons):
    path = _map_trained_on_names(tmp_path, labels_tif)
    report = validate_map(path, polygons, "LULC_ID")  # the code field, as the Validate tab pre-selects
    # compared code against id, OA would be ~0.02; matched by the names in LULC_NAME it is the map itself
    assert report.overall_accuracy > 0.99
    assert any("are not the map's class ids" in n and "LULC_NAME" in n for n in report.notes)
    assert report.name_of(3) == "forest"


def test_code_field_without_names_and_no_common_code_is_refused(tmp_path, labels_tif, polygons):
    labels, _, _ = read_array(labels_tif)
    shifted = np.where(labels > 0, labels + 20, 0)
    names = [""] * 29
    for code, name in CODE_TO_NAME.items():
        names[code + 20] = name
    path = write_map(tmp_path / "shifted.tif", shifted, labels_tif, names=names)
    codes_only = str(tmp_path / "codes.gpkg")
    gdal.VectorTranslate(codes_only, polygons, options="-select LULC_ID")
    with pytest.raises(LabelsError, match="None of the codes of field 'LULC_ID'.*Choose the field"):
        validate_map(path, codes_only, "LULC_ID")


def test_matching_codes_are_left_alone(labels_tif, polygons):
    report = validate_map(labels_tif, polygons, "LULC_ID")
    assert not any("not the map's class ids" in n for n in report.notes)


def test_validation_on_the_training_polygons_is_flagged(tmp_path, labels_tif, polygons):
    from land_cover_xai_plugin.engine.accuracy.provenance import METADATA_KEY, labels_fingerprint, metadata_summary

    fingerprint = labels_fingerprint(polygons, class_field="LULC_ID")
    assert fingerprint["n_features"] == 88 and len(fingerprint["feature_hashes"]) == 88
    report = validate_map(labels_tif, polygons, "LULC_ID", training_data=fingerprint)
    assert "Every validation feature (88) belongs to the model's training data" in report.notes[0]

    # through the map's metadata, as inference writes it; a subset of the polygons is a partial overlap
    labels, _, _ = read_array(labels_tif)
    path = write_map(tmp_path / "map.tif", labels, labels_tif)
    ds = gdal.Open(path, gdal.GA_Update)
    ds.SetMetadataItem(METADATA_KEY, metadata_summary(fingerprint))
    ds = None
    half = str(tmp_path / "half.gpkg")
    gdal.VectorTranslate(half, polygons, options="-where fid<=44")
    mixed = str(tmp_path / "mixed.gpkg")
    gdal.VectorTranslate(mixed, half)
    source = ogr.Open(mixed, 1)
    layer = source.GetLayerByIndex(0)
    features = [layer.GetFeature(fid) for fid in range(1, 45)]
    for feature in features[1::2]:  # every other polygon redrawn (grown by 0.5 m): no longer a training geometry
        feature.SetGeometry(feature.GetGeometryRef().Buffer(0.5))
        layer.SetFeature(feature)
    source = None
    report = validate_map(path, mixed, "LULC_ID")
    note = next(n for n in report.notes if "training data" in n)
    assert re.match(r"\d+ of 44 validation features \(\d+%\) belong to the model's training data", note)
    independent = str(tmp_path / "independent.gpkg")
    gdal.VectorTranslate(independent, polygons, options="-where fid>44")
    report = validate_map(path, independent, "LULC_ID", training_data={"kind": "field data",
                                                                        "feature_hashes": [], "path": "x"})
    assert not any("training data" in n for n in report.notes)



HOSTILE_NAMES = {1: '=HYPERLINK("http://evil.example","click")', 2: "@SUM(A1:A9)", 8: "-2+3", 9: "\tcmd",
                 10: "$\\frac{1}{$ broken maths $", 11: "+cmd|' /C calc'!A0"}


@pytest.fixture()
def hostile_report():
    ids = sorted(HOSTILE_NAMES)
    matrix = np.eye(len(ids), dtype=np.int64) * 5 + 1
    report = report_from_matrix(matrix.tolist(), ids, HOSTILE_NAMES, mapped_area={i: 10.0 for i in ids},
                                area_unit="ha")
    report.sources = {"classification": "=cmd.tif"}
    report.notes.append("-note that starts like a formula")
    return report


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(tmp_path, hostile_report):
    import csv as csv_module

    path = write_report_csv(hostile_report, str(tmp_path / "report.csv"))
    cells = [c for row in csv_module.reader(open(path, newline="", encoding="utf-8")) for c in row]
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    # what is left starting with such a character is a plain number (negative values stay numbers)
    for cell in dangerous:
        float(cell)
    assert "'=HYPERLINK(\"http://evil.example\",\"click\") (1)" in cells and "'@SUM(A1:A9)" in cells
    assert "'-note that starts like a formula" in cells and "'=cmd.tif" in cells
    sections = read_report_csv(path)
    assert float(dict(sections[CSV_SECTION_SUMMARY][1:])["overall_accuracy"]) == hostile_report.overall_accuracy


def test_dollar_in_a_class_name_is_drawn_as_text(tmp_path, hostile_report):
    path = confusion_matrix_figure(hostile_report, str(tmp_path / "cm.png"))
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    page = open(write_report_html(hostile_report, str(tmp_path / "r.html")), encoding="utf-8").read()
    assert "$\\frac{1}{$ broken maths $" in page and "=HYPERLINK(&quot;" in page


def test_report_into_a_missing_folder_or_onto_a_folder_is_one_clear_error(tmp_path, hostile_report):
    from land_cover_xai_plugin.engine.io.outputs import OutputError

    with pytest.raises(OutputError, match="does not exist"):
        write_report_csv(hostile_report, str(tmp_path / "missing" / "r.csv"))
    with pytest.raises(OutputError, match="is a folder"):
        write_report_html(hostile_report, str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_train_predict_validate_on_the_same_polygons_warns_end_to_end(tmp_path, sample_dir, polygons):
    """The training job records its field data in the model; inference copies it into the class map; validating
    that map on the same polygons says the figures are not an accuracy."""
    pytest.importorskip("torch")
    from land_cover_xai_plugin.engine.inference.streaming import InferenceRequest, run_inference
    from land_cover_xai_plugin.engine.jobs import TrainJob, run_train_job
    from land_cover_xai_plugin.engine.models.model_file import load_model
    from land_cover_xai_plugin.engine.training.trainer import TrainConfig

    model = str(tmp_path / "m.lcx")
    config = TrainConfig(arch="tempcnn", epochs=1, conv_width=4, dense_width=8, device="cpu", threads=1)
    run_train_job(TrainJob([str(sample_dir / "s2_l1c_stack.tif")], polygons, model, class_field="LULC_ID",
                           config=config))
    recorded = load_model(model).report["training_data"]
    assert recorded["kind"] == "field data" and recorded["n_features"] == 88 and recorded["class_field"] == "LULC_ID"
    result = run_inference(InferenceRequest(stack_paths=[str(sample_dir / "s2_l1c_stack.tif")], model_path=model,
                                            out_dir=str(tmp_path / "out"), device="cpu", threads=1))
    prediction = next(d.path for d in result.outputs if d.kind == "prediction")
    report = validate_map(prediction, polygons, "LULC_ID")
    assert report.notes[0].startswith("Every validation feature (88) belongs to the model's training data")


def test_a_field_sharing_no_class_with_the_map_is_refused_even_without_names(tmp_path, labels_tif, polygons):
    labels, _, _ = read_array(labels_tif)
    path = write_map(tmp_path / "other_codes.tif", np.where(labels > 0, labels + 100, 0), labels_tif)
    with pytest.raises(LabelsError, match="None of the classes of field 'LULC_ID'.*Choose the class field"):
        validate_map(path, polygons, "LULC_ID")


def _train_and_predict(tmp_path, stack, labels_path, class_field=None):
    """A tiny TempCNN trained through the training job on ``labels_path``; its class map of ``stack``."""
    from land_cover_xai_plugin.engine.inference.streaming import InferenceRequest, run_inference
    from land_cover_xai_plugin.engine.jobs import TrainJob, run_train_job
    from land_cover_xai_plugin.engine.models.model_file import load_model
    from land_cover_xai_plugin.engine.training.trainer import TrainConfig

    model = str(tmp_path / "m.lcx")
    config = TrainConfig(arch="tempcnn", epochs=1, conv_width=4, dense_width=8, device="cpu", threads=1)
    run_train_job(TrainJob([stack], labels_path, model, class_field=class_field, config=config))
    result = run_inference(InferenceRequest(stack_paths=[stack], model_path=model, out_dir=str(tmp_path / "out"),
                                            device="cpu", threads=1))
    return load_model(model), next(d.path for d in result.outputs if d.kind == "prediction")


def test_a_model_trained_on_a_label_raster_is_recognised_in_a_raster_or_in_polygons(tmp_path, sample_dir,
                                                                                      labels_tif, polygons):
    """Issue 11: the training pixels are recorded whatever the labels came from; validating on them (as a label
    raster or as the polygons they were burnt from) warns, validating on other pixels does not."""
    pytest.importorskip("torch")
    labels, _, _ = read_array(labels_tif)
    bundle, prediction = _train_and_predict(tmp_path, str(sample_dir / "s2_l1c_stack.tif"), labels_tif)
    recorded = bundle.report["training_data"]
    assert recorded["kind"] == "label raster" and recorded["pixels"]["n_labelled"] == int((labels > 0).sum())

    report = validate_map(prediction, labels_tif, None)  # the training raster itself, as reference
    assert report.notes[0].startswith(f"Every validation pixel ({int((labels > 0).sum())}) was a training pixel")
    report = validate_map(prediction, polygons, "LULC_ID")  # the polygons the raster was burnt from
    note = next(n for n in report.notes if "training pixels of the model" in n or "was a training pixel" in n)
    assert re.search(r"validation pixel", note), note

    # reference pixels the model never saw: the map's own classes where the training raster is unlabelled
    mapped, _, _ = read_array(prediction)
    held_out = write_map(tmp_path / "held_out.tif", np.where(labels == 0, mapped, 0), labels_tif)
    report = validate_map(prediction, held_out, None)
    assert not any("training" in n for n in report.notes), report.notes
    assert report.n_samples == int(((labels == 0) & (mapped > 0)).sum())


def test_a_model_trained_on_polygons_is_recognised_in_a_label_raster(tmp_path, sample_dir, labels_tif, polygons):
    pytest.importorskip("torch")
    _, prediction = _train_and_predict(tmp_path, str(sample_dir / "s2_l1c_stack.tif"), polygons, "LULC_ID")
    report = validate_map(prediction, labels_tif, None)
    note = next((n for n in report.notes if "training pixel" in n), None)
    assert note is not None and re.match(r"(Every validation pixel|\d+ of \d+ validation pixels)", note), report.notes


def test_the_training_mask_survives_the_class_map_metadata_cap():
    from land_cover_xai_plugin.engine.accuracy.provenance import (
        decode_mask,
        encode_mask,
        metadata_summary,
        parse_metadata,
    )

    rng = np.random.default_rng(0)
    mask = rng.random((3000, 3000)) < 0.3  # incompressible: the metadata keeps a coarser mask
    encoded = encode_mask(mask)
    decoded, block = decode_mask(encoded)
    assert block == 1 and np.array_equal(decoded, mask)
    summary = parse_metadata(metadata_summary({"kind": "label raster", "pixels": {
        "geotransform": [0, 1, 0, 0, 0, -1], "size": [3000, 3000], "crs_wkt": "", "mask": encoded}}))
    small, small_block = decode_mask(summary["pixels"]["mask"])
    b = small_block
    assert b > 1 and 3000 % b == 0
    assert np.array_equal(small, mask.reshape(3000 // b, b, 3000 // b, b).any(axis=(1, 3)))


def test_pixel_overlap_across_grids_and_crs(labels_tif):
    """Validation pixels on another grid (finer, or in another CRS) are placed on the training grid one by one."""
    from land_cover_xai_plugin.engine.accuracy.provenance import pixel_overlap, pixels_record
    from land_cover_xai_plugin.engine.io.stack import Grid

    labels, gt, wkt = read_array(labels_tif)
    grid = Grid(labels.shape[1], labels.shape[0], tuple(gt), wkt)
    record = pixels_record(labels, grid)
    assert pixel_overlap(record, labels, grid) == (int((labels > 0).sum()),) * 2  # the same grid

    finer = Grid(grid.width * 2, grid.height * 2, (gt[0], gt[1] / 2, 0.0, gt[3], 0.0, gt[5] / 2), wkt)
    doubled = np.kron(labels, np.ones((2, 2), labels.dtype))
    assert pixel_overlap(record, doubled, finer) == (int((doubled > 0).sum()),) * 2
    outside = np.kron(np.where(labels > 0, 0, 1), np.ones((2, 2), labels.dtype))
    assert pixel_overlap(record, outside, finer)[0] == 0  # only pixels the model never trained on

    # the same pixels in geographic coordinates: a grid in EPSG:4326 over the training grid's centre pixels
    source, target = osr.SpatialReference(), osr.SpatialReference()
    source.ImportFromWkt(wkt)
    target.ImportFromEPSG(4326)
    for srs in (source, target):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    rows, cols = np.nonzero(labels > 0)
    x, y = gt[0] + (cols[0] + 0.5) * gt[1], gt[3] + (rows[0] + 0.5) * gt[5]
    lon, lat, _ = osr.CoordinateTransformation(source, target).TransformPoint(x, y)
    tiny = 1e-6  # degrees: a pixel of ~0.1 m inside that training pixel
    geographic = Grid(1, 1, (lon - tiny / 2, tiny, 0.0, lat + tiny / 2, 0.0, -tiny), target.ExportToWkt())
    assert pixel_overlap(record, np.ones((1, 1), np.int32), geographic) == (1, 1)
