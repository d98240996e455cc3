"""land_cover_xai:explain — explanation rasters (Grad-CAM, band attention, SHAP, Integrated Gradients)."""
from __future__ import annotations

from qgis.core import (
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from ...engine.errors import LcxError
from ..base import DEVICES, LcxAlgorithm, StyleLoader, raster_file, run_inference_into

# METHOD enum index -> engine method, and the engine outputs that go to OUTPUT / OUTPUT_DATES
METHODS = ("gradcam", "attention", "shap", "ig")
MAIN_OUTPUT = {"gradcam": "gradcam", "attention": "attention", "shap": "shap_bands", "ig": "ig_bands"}
DATES_OUTPUT = {"shap": "shap_dates", "ig": "ig_dates"}


def resolve_target(bundle, text) -> object:
    """'predicted' (or empty), a class id, or a class name (case-insensitive) -> what the engine takes."""
    value = str(text if text is not None else "").strip()
    if not value or value.lower() == "predicted":
        return "predicted"
    ids = [int(c.id) for c in bundle.classes]
    try:
        class_id = int(value)
    except ValueError:
        class_id = None
    if class_id is not None and class_id in ids:
        return class_id
    by_name = {str(c.name).strip().lower(): int(c.id) for c in bundle.classes}
    if value.lower() in by_name:
        return by_name[value.lower()]
    choices = ", ".join(f"{c.id} ({c.name})" for c in bundle.classes)
    raise LcxError(f"Target '{value}' is not a class of this model: give 'predicted', a class id or a class name "
                   f"among {choices}.")


class ExplainAlgorithm(LcxAlgorithm):
    INPUT = "INPUT"
    MODEL = "MODEL"
    METHOD = "METHOD"
    TARGET = "TARGET"
    DEVICE = "DEVICE"
    BATCH_SIZE = "BATCH_SIZE"
    OUTPUT = "OUTPUT"
    OUTPUT_DATES = "OUTPUT_DATES"
    GROUP = "explanation"

    def name(self):
        return "explain"

    def displayName(self):  # noqa: N802
        return self.tr("Explain land cover predictions")

    def shortDescription(self):  # noqa: N802
        return self.tr("Grad-CAM, band attention, SHAP or Integrated Gradients maps of a model's predictions.")

    def tags(self):
        return self.tr("xai,explainable ai,explanation,grad-cam,shap,attention,integrated gradients,saliency").split(",")

    def shortHelpString(self):  # noqa: N802
        return self.tr(
            "<p>Explains, for every pixel, why the model predicts a class, as a styled raster.</p>"
            "<h3>Parameters</h3><ul>"
            "<li><b>Sentinel-2 time series</b> and <b>Model file</b> (.lcx), as for 'Classify land cover'.</li>"
            "<li><b>Method</b>:<ul>"
            "<li><i>Grad-CAM</i> (Selvaraju et al. 2017) on the last temporal convolution: band 1 is a heatmap "
            "(mean over dates of the ReLU Grad-CAM), then one band per date: which dates carry the evidence;</li>"
            "<li><i>Band attention</i> (attention models only): the model's own weight for each spectral band, "
            "one band per spectral band;</li>"
            "<li><i>GradientSHAP</i> and <i>Integrated Gradients</i>: attribution of the target-class "
            "probability, summed over dates (one band per spectral band) and, in the optional second output, "
            "summed over bands (one band per date). Slow on a CPU (about 1,000 pixels per second): use them on "
            "a clip of the area of interest.</li></ul></li>"
            "<li><b>Target class</b>: <i>predicted</i> (each pixel's predicted class), a class id, or a class "
            "name of the model.</li>"
            "<li><b>Device</b>: auto, cpu or cuda; <b>Batch size</b> (advanced).</li></ul>"
            "<h3>Outputs</h3><ul>"
            "<li><b>Explanation</b>: the raster described above, with a colour ramp; band names say what each "
            "band is.</li>"
            "<li><b>Explanation per date</b> (optional; SHAP and Integrated Gradients only).</li></ul>")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, self.tr("Sentinel-2 time series")))
        self.addParameter(QgsProcessingParameterFile(
            self.MODEL, self.tr("Model file"), behavior=QgsProcessingParameterFile.File,
            fileFilter=self.tr("Land Cover XAI model (*.lcx)") + ";;" + self.tr("All files (*.*)")))
        self.addParameter(QgsProcessingParameterEnum(
            self.METHOD, self.tr("Method"),
            options=[self.tr("Grad-CAM (evidence per date)"), self.tr("Band attention (attention models)"),
                     self.tr("GradientSHAP"), self.tr("Integrated Gradients")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterString(
            self.TARGET, self.tr("Target class ('predicted', a class id or a class name)"),
            defaultValue="predicted"))
        self.addParameter(QgsProcessingParameterEnum(self.DEVICE, self.tr("Device"), options=list(DEVICES),
                                                     defaultValue=0))
        batch = QgsProcessingParameterNumber(self.BATCH_SIZE, self.tr("Batch size (pixels; 0 = measured)"),
                                             QgsProcessingParameterNumber.Integer, defaultValue=0, optional=True,
                                             minValue=0)
        batch.setFlags(batch.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(batch)
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Explanation")))
        self.addParameter(QgsProcessingParameterRasterDestination(
            self.OUTPUT_DATES, self.tr("Explanation per date (SHAP / Integrated Gradients)"), optional=True,
            createByDefault=False))

    def checkParameterValues(self, parameters, context):  # noqa: N802
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        model = self.parameterAsFile(parameters, self.MODEL, context)
        problem = self.check_model_path(model) or self.check_raster_destinations({
            self.tr("Explanation"): self.destination_value(parameters, self.OUTPUT),
            self.tr("Explanation per date"): self.destination_value(parameters, self.OUTPUT_DATES)})
        if problem:
            return False, problem
        from ...engine.models.model_file import load_model

        try:  # a few ms: the model file is small; catches a wrong target or a non-attention model early
            bundle = load_model(model)
            resolve_target(bundle, self.parameterAsString(parameters, self.TARGET, context))
        except LcxError as error:
            return False, str(error)
        method = METHODS[self.parameterAsEnum(parameters, self.METHOD, context)]
        if method == "attention" and bundle.spec.arch != "attention":
            return False, self.tr("Band attention exists only in attention models; this model is '{0}'. Choose "
                                  "Grad-CAM, GradientSHAP or Integrated Gradients.").format(bundle.spec.arch)
        return True, ""

    def process(self, parameters, context, feedback):
        from ...engine.models.model_file import load_model

        stack = raster_file(self, parameters, self.INPUT, context)
        model = self.parameterAsFile(parameters, self.MODEL, context)
        method = METHODS[self.parameterAsEnum(parameters, self.METHOD, context)]
        target = resolve_target(load_model(model), self.parameterAsString(parameters, self.TARGET, context))
        device = DEVICES[self.parameterAsEnum(parameters, self.DEVICE, context)]
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        output_dates = self.parameterAsOutputLayer(parameters, self.OUTPUT_DATES, context) or ""
        if output_dates and method not in DATES_OUTPUT:
            feedback.pushWarning(self.tr("'Explanation per date' is written for SHAP and Integrated Gradients "
                                         "only; Grad-CAM has its dates in the main output. Ignored."))
            layers = context.layersToLoadOnCompletion()
            if output_dates in layers:
                del layers[output_dates]
                context.setLayersToLoadOnCompletion(layers)
            output_dates = ""
        destinations = {MAIN_OUTPUT[method]: output}
        if output_dates:
            destinations[DATES_OUTPUT[method]] = output_dates
        feedback.pushInfo(self.tr("Explaining with {0}, target {1}").format(method, target))
        run_inference_into(feedback, stack, model, {method}, destinations, target=target, device=device,
                           batch_size=self.parameterAsInt(parameters, self.BATCH_SIZE, context))
        results = {self.OUTPUT: output}
        StyleLoader.attach(context, output)
        if output_dates:
            results[self.OUTPUT_DATES] = output_dates
            StyleLoader.attach(context, output_dates)
        return results
