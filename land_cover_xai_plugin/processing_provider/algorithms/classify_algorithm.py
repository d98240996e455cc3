"""land_cover_xai:classify — class map and confidence of a Sentinel-2 time series with a trained model."""
from __future__ import annotations

from qgis.core import (
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)

from ..base import DEVICES, LcxAlgorithm, StyleLoader, raster_file, run_inference_into


class ClassifyAlgorithm(LcxAlgorithm):
    INPUT = "INPUT"
    MODEL = "MODEL"
    DEVICE = "DEVICE"
    BATCH_SIZE = "BATCH_SIZE"
    OUTPUT = "OUTPUT"
    CONFIDENCE = "CONFIDENCE"
    PROBABILITIES = "PROBABILITIES"
    GROUP = "classification"

    def name(self):
        return "classify"

    def displayName(self):  # noqa: N802
        return self.tr("Classify land cover")

    def shortDescription(self):  # noqa: N802
        return self.tr("Land-cover map and confidence of a Sentinel-2 time series, with a trained .lcx model.")

    def tags(self):
        return self.tr("deep learning,classification,prediction,inference,sentinel-2,time series,land cover").split(",")

    def shortHelpString(self):  # noqa: N802
        return self.tr(
            "<p>Classifies every pixel of a Sentinel-2 time series with a trained model (.lcx) and writes a "
            "styled class map (colours and class names from the model) and a confidence map.</p>"
            "<p>The raster is processed window by window, so any size fits in memory. The model checks that the "
            "raster has its bands and dates; if not, the error says what differs. Missing observations are filled "
            "in time; pixels with fewer than 2 observed dates are no-data.</p>"
            "<h3>Parameters</h3><ul>"
            "<li><b>Sentinel-2 time series</b>: the raster file, with the bands and dates the model was trained "
            "on.</li>"
            "<li><b>Model file</b>: a .lcx file written by 'Train a land cover model'.</li>"
            "<li><b>Device</b>: auto (GPU when torch sees one), cpu or cuda.</li>"
            "<li><b>Batch size</b> (advanced): pixels per batch; 0 = measured on this machine.</li></ul>"
            "<h3>Outputs</h3><ul>"
            "<li><b>Land cover classification</b>: class ids (GeoTIFF, paletted style with the class names).</li>"
            "<li><b>Confidence</b>: the highest class probability, 0..1.</li>"
            "<li><b>Class probabilities</b> (optional): one band per class.</li></ul>")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, self.tr("Sentinel-2 time series")))
        self.addParameter(QgsProcessingParameterFile(
            self.MODEL, self.tr("Model file"), behavior=QgsProcessingParameterFile.File,
            fileFilter=self.tr("Land Cover XAI model (*.lcx)") + ";;" + self.tr("All files (*.*)")))
        self.addParameter(QgsProcessingParameterEnum(self.DEVICE, self.tr("Device"), options=list(DEVICES),
                                                     defaultValue=0))
        batch = QgsProcessingParameterNumber(self.BATCH_SIZE, self.tr("Batch size (pixels; 0 = measured)"),
                                             QgsProcessingParameterNumber.Integer, defaultValue=0, optional=True,
                                             minValue=0)
        batch.setFlags(batch.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(batch)
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Land cover classification")))
        self.addParameter(QgsProcessingParameterRasterDestination(self.CONFIDENCE, self.tr("Confidence")))
        self.addParameter(QgsProcessingParameterRasterDestination(
            self.PROBABILITIES, self.tr("Class probabilities"), optional=True, createByDefault=False))

    def checkParameterValues(self, parameters, context):  # noqa: N802
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        problem = self.check_model_path(self.parameterAsFile(parameters, self.MODEL, context))
        if problem is None:
            problem = self.check_raster_destinations({
                self.tr("Land cover classification"): self.destination_value(parameters, self.OUTPUT),
                self.tr("Confidence"): self.destination_value(parameters, self.CONFIDENCE),
                self.tr("Class probabilities"): self.destination_value(parameters, self.PROBABILITIES)})
        return (False, problem) if problem else (True, "")

    def process(self, parameters, context, feedback):
        stack = raster_file(self, parameters, self.INPUT, context)
        model = self.parameterAsFile(parameters, self.MODEL, context)
        device = DEVICES[self.parameterAsEnum(parameters, self.DEVICE, context)]
        outputs = {name: self.parameterAsOutputLayer(parameters, name, context) or ""
                   for name in (self.OUTPUT, self.CONFIDENCE, self.PROBABILITIES)}
        methods = {"probabilities"} if outputs[self.PROBABILITIES] else set()
        run_inference_into(feedback, stack, model, methods,
                           {"prediction": outputs[self.OUTPUT], "confidence": outputs[self.CONFIDENCE],
                            "probabilities": outputs[self.PROBABILITIES]},
                           device=device, batch_size=self.parameterAsInt(parameters, self.BATCH_SIZE, context))
        for path in outputs.values():
            StyleLoader.attach(context, path)
        return {name: path for name, path in outputs.items() if path}
