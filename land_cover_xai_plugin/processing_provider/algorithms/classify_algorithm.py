"""land_cover_xai:classify — class map and confidence of a Sentinel-2 time series with a trained model, and
the classification by-products the explainer registry offers (class probabilities, uncertainty)."""
from __future__ import annotations

from ...engine.explain import registry
from ..base import LcxAlgorithm, registry_description, registry_label, run_job
from .checks import model_path_problem


def destination_kinds() -> dict[str, str]:
    """Destination parameter -> engine output kind: the class map, its confidence, then one optional
    destination per raster of each classification method of the registry (PROBABILITIES, ENTROPY, MARGIN)."""
    kinds = {"OUTPUT": "prediction", "CONFIDENCE": "confidence"}
    for explainer in registry.available(category="classification"):
        kinds.update({kind.upper(): kind for kind, _ in explainer.produces})
    return kinds


class ClassifyAlgorithm(LcxAlgorithm):
    OUTPUT = "OUTPUT"
    CONFIDENCE = "CONFIDENCE"
    GROUP = "classification"

    def name(self):
        return "classify"

    def displayName(self):
        return self.tr("Classify land cover")

    def shortDescription(self):
        return self.tr("Land-cover map and confidence of a Sentinel-2 time series, with a trained .lcx model.")

    def tags(self):
        return self.tr("deep learning,classification,prediction,inference,sentinel-2,time series,land cover").split(",")

    def shortHelpString(self):
        optional_word = self.tr("optional")
        optional = "".join(f"<li><b>{registry_label(label)}</b> ({optional_word}): "
                           f"{registry_description(explainer.description)}</li>"
                           for explainer in registry.available(category="classification")
                           for _, label in explainer.produces)
        return (self.tr(
            "<p>Classifies every pixel of a Sentinel-2 time series with a trained model (.lcx) and writes a "
            "styled class map (colours and class names from the model) and a confidence map.</p>"
            "<p>The raster is processed window by window, so any size fits in memory. The model checks that the "
            "raster has its bands and dates; if not, the error says what differs. Missing observations are filled "
            "in time; pixels with fewer than 2 observed dates are no-data.</p>")
            + "<h3>" + self.tr("Parameters") + "</h3><ul>" + self.common_help() + "</ul>"
            + "<h3>" + self.tr("Outputs") + "</h3><ul>"
            + "<li><b>" + self.tr("Land cover classification") + "</b>: "
            + self.tr("class ids (GeoTIFF, paletted style with the class names).") + "</li>"
            + "<li><b>" + self.tr("Confidence") + "</b>: " + self.tr("the highest class probability, 0..1.") + "</li>"
            + optional + "</ul>")

    def initAlgorithm(self, config=None):
        self.add_stack_parameter()
        self.add_model_parameter()
        self.add_device_parameter()
        self.add_batch_size_parameter()
        self.add_overwrite_parameter()
        self.add_raster_output(self.OUTPUT, self.tr("Land cover classification"))
        self.add_raster_output(self.CONFIDENCE, self.tr("Confidence"))
        for explainer in registry.available(category="classification"):
            for kind, label in explainer.produces:
                self.add_raster_output(kind.upper(), registry_label(label), optional=True)

    def checkParameterValues(self, parameters, context):
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        problem = model_path_problem(self, self.parameterAsFile(parameters, self.MODEL, context))
        if problem is None:
            problem = self.check_raster_destinations({
                self.parameterDefinition(name).description(): self.destination_value(parameters, name)
                for name in destination_kinds()})
        return (False, problem) if problem else (True, "")

    def process(self, parameters, context, feedback):
        kinds = destination_kinds()
        paths = {name: self.parameterAsOutputLayer(parameters, name, context) or "" for name in kinds}
        asked = {kinds[name] for name, path in paths.items() if path}
        methods = {e.name for e in registry.available(category="classification")
                   if any(kind in asked for kind, _ in e.produces)}
        run_job(feedback, context, self.inference_job(parameters, context, outputs=methods),
                {kinds[name]: path for name, path in paths.items()})
        return {name: path for name, path in paths.items() if path}
