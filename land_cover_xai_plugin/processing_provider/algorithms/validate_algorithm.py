"""land_cover_xai:validate — accuracy of a class map against field data (HTML report, CSV, numbers)."""
from __future__ import annotations

import math
import os

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterRasterLayer,
)

from ..base import LcxAlgorithm, StagedOutputs, raster_file, vector_file


def _number(value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return math.nan
    return value


class ValidateAlgorithm(LcxAlgorithm):
    CLASSIFICATION = "CLASSIFICATION"
    FIELD_DATA = "FIELD_DATA"
    CLASS_FIELD = "CLASS_FIELD"
    NAME_FIELD = "NAME_FIELD"
    OUTPUT_REPORT = "OUTPUT_REPORT"
    OUTPUT_TABLE = "OUTPUT_TABLE"
    GROUP = "accuracy"

    def name(self):
        return "validate"

    def displayName(self):
        return self.tr("Validate a land cover map")

    def shortDescription(self):
        return self.tr("Confusion matrix, overall accuracy, kappa, per-class accuracy and area-adjusted estimates.")

    def tags(self):
        return self.tr("accuracy,validation,confusion matrix,kappa,f1,olofsson,field data").split(",")

    def shortHelpString(self):
        return self.tr(
            "<p>Compares a class map with field data: the field data are burnt onto the map's grid (any CRS), "
            "and every labelled pixel the map classifies is a sample.</p>"
            "<h3>Parameters</h3><ul>"
            "<li><b>Classification</b>: a class raster, e.g. from 'Classify land cover'.</li>"
            "<li><b>Field data</b>: reference points or polygons, not used for training.</li>"
            "<li><b>Class field</b>: class ids matching the map, or class names matching the map's category "
            "names.</li>"
            "<li><b>Class name field</b> (advanced, optional): names for numeric ids.</li></ul>"
            "<h3>Outputs</h3><ul>"
            "<li><b>Accuracy report</b>: self-contained HTML page: confusion matrix (rows = reference), overall "
            "accuracy, Cohen's kappa, producer's / user's accuracy and F1 per class, area-adjusted accuracy and "
            "class areas with 95% confidence intervals (Olofsson et al. 2014).</li>"
            "<li><b>Accuracy table</b>: the same numbers as CSV.</li>"
            "<li>Overall accuracy, kappa, macro-F1 and the number of samples, as numbers (for models and "
            "scripts).</li></ul>")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterRasterLayer(self.CLASSIFICATION, self.tr("Classification")))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.FIELD_DATA, self.tr("Field data (points or polygons)"),
            [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            self.CLASS_FIELD, self.tr("Class field"), parentLayerParameterName=self.FIELD_DATA))
        name_field = QgsProcessingParameterField(
            self.NAME_FIELD, self.tr("Class name field"), parentLayerParameterName=self.FIELD_DATA, optional=True)
        name_field.setFlags(name_field.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(name_field)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_REPORT, self.tr("Accuracy report"), fileFilter=self.tr("HTML files (*.html)")))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_TABLE, self.tr("Accuracy table"), fileFilter=self.tr("CSV files (*.csv)")))
        self.add_overwrite_parameter()
        for name, label in (("OVERALL_ACCURACY", self.tr("Overall accuracy")), ("KAPPA", self.tr("Kappa")),
                            ("MACRO_F1", self.tr("Macro-F1")), ("N_SAMPLES", self.tr("Number of samples (pixels)")),
                            ("AREA_ADJUSTED_OVERALL_ACCURACY", self.tr("Area-adjusted overall accuracy"))):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def checkParameterValues(self, parameters, context):
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        html = self.destination_value(parameters, self.OUTPUT_REPORT)
        csv = self.destination_value(parameters, self.OUTPUT_TABLE)
        if html and html != "TEMPORARY_OUTPUT" and html == csv:
            return False, self.tr("The report and the table point to the same file: give each its own file.")
        return True, ""

    def process(self, parameters, context, feedback):
        from ...engine.io.outputs import clean_up_on_terminate

        with clean_up_on_terminate():  # qgis_process killed: the staged reports go too
            return self._validate(parameters, context, feedback)

    def _validate(self, parameters, context, feedback):
        from ...engine.jobs import ValidateJob, run_validate_job

        classification = raster_file(self, parameters, self.CLASSIFICATION, context)
        field_path, layer_name = vector_file(self, parameters, self.FIELD_DATA, context, feedback)
        class_field = self.parameterAsString(parameters, self.CLASS_FIELD, context)
        name_field = self.parameterAsString(parameters, self.NAME_FIELD, context) or None
        html = self.parameterAsFileOutput(parameters, self.OUTPUT_REPORT, context)
        csv = self.parameterAsFileOutput(parameters, self.OUTPUT_TABLE, context)
        from ...engine.jobs import check_file_destination

        for path, what in ((html, "report"), (csv, "table")):
            if path:
                check_file_destination(path, what)  # a folder / under a file: said so, before any work
        overwrite = self.overwrite(parameters, context)
        self.check_not_overwritten((html, csv), overwrite)  # before the map is read
        feedback.setProgress(5)
        with StagedOutputs([html, csv], overwrite=overwrite) as stage:
            staged_html = os.path.join(stage.dir, "report.html") if html else None
            staged_csv = os.path.join(stage.dir, "report.csv") if csv else None
            report = run_validate_job(ValidateJob(classification, field_path, class_field, layer=layer_name,
                                                  name_field=name_field, csv_path=staged_csv))
            if feedback.isCanceled():
                return {}
            if staged_html:  # the page in QGIS's language (the CSV stays in English, for machines)
                from ...engine.accuracy.validation import report_html_text, write_text_files
                from ...gui.i18n import report_texts

                write_text_files({staged_html: report_html_text(report, report_texts())})
            stage.commit({staged_html: html, staged_csv: csv})
        feedback.setProgress(100)
        area = getattr(report, "area_adjusted", None)
        results = {
            "OVERALL_ACCURACY": _number(report.overall_accuracy),
            "KAPPA": _number(report.kappa),
            "MACRO_F1": _number(report.macro_f1),
            "N_SAMPLES": int(report.n_samples),
            "AREA_ADJUSTED_OVERALL_ACCURACY": _number(getattr(area, "overall_accuracy", None)),
        }
        feedback.pushInfo(self.tr("{0} samples: overall accuracy {1:.3f}, kappa {2:.3f}, macro-F1 {3:.3f}").format(
            results["N_SAMPLES"], results["OVERALL_ACCURACY"], results["KAPPA"], results["MACRO_F1"]))
        from ...gui.i18n import engine_text

        for note in getattr(report, "notes", []) or []:
            feedback.pushInfo(engine_text(str(note)))
        if html:
            results[self.OUTPUT_REPORT] = html
        if csv:
            results[self.OUTPUT_TABLE] = csv
        return results
