"""land_cover_xai:explain — explanation rasters of the methods the explainer registry offers (Grad-CAM,
band attention, SHAP, Integrated Gradients ...)."""
from __future__ import annotations

from ...engine.errors import LcxError
from ...engine.explain import registry
from ..base import LcxAlgorithm, registry_description, registry_label, run_job
from .checks import model_path_problem


def explanation_methods() -> list:
    """The METHOD enum: index -> registry explainer (category 'explanation')."""
    return registry.available(category="explanation")


class ExplainAlgorithm(LcxAlgorithm):
    METHOD = "METHOD"
    OUTPUT = "OUTPUT"  # the method's first raster (Grad-CAM heatmap + dates, attention, SHAP / IG by band)
    OUTPUT_DATES = "OUTPUT_DATES"  # its second raster, when it has one (SHAP / IG by date)
    GROUP = "explanation"

    def name(self):
        return "explain"

    def displayName(self):
        return self.tr("Explain land cover predictions")

    def shortDescription(self):
        return self.tr("Grad-CAM, band attention, SHAP or Integrated Gradients maps of a model's predictions.")

    def tags(self):
        return self.tr(
            "xai,explainable ai,explanation,grad-cam,shap,attention,integrated gradients,saliency").split(",")

    def shortHelpString(self):
        methods = "".join(f"<li><i>{registry_label(label)}</i> (<code>{name}</code>): "
                          f"{registry_description(text)}</li>"
                          for name, label, text in registry.help_lines("explanation"))
        return ("<p>" + self.tr("Explains, for every pixel, why the model predicts a class, as a styled raster.")
                + "</p><h3>" + self.tr("Parameters") + "</h3><ul>" + self.common_help()
                + "<li><b>" + self.tr("Method") + "</b>:<ul>" + methods + "</ul></li>"
                + "<li><b>" + self.tr("Target class") + "</b>: " + self.tr(
                    "<i>predicted</i> (each pixel's predicted class), a class id, or a class name of the model.")
                + "</li></ul><h3>" + self.tr("Outputs") + "</h3><ul>"
                + "<li><b>" + self.tr("Explanation") + "</b>: " + self.tr(
                    "the method's raster, with a colour ramp; band names say what each band is.") + "</li>"
                + "<li><b>" + self.tr("Explanation per date") + "</b> " + self.tr(
                    "(optional; methods with a second raster: SHAP and Integrated Gradients by date).")
                + "</li></ul>")

    def initAlgorithm(self, config=None):
        self.add_stack_parameter()
        self.add_model_parameter()
        self.add_method_parameter(self.METHOD, explanation_methods())
        self.add_target_parameter()
        self.add_device_parameter()
        self.add_batch_size_parameter()
        self.add_overwrite_parameter()
        self.add_raster_output(self.OUTPUT, self.tr("Explanation"))
        self.add_raster_output(self.OUTPUT_DATES, self.tr("Explanation per date (SHAP / Integrated Gradients)"),
                               optional=True)

    def chosen_method(self, parameters, context):
        return explanation_methods()[self.parameterAsEnum(parameters, self.METHOD, context)]

    def checkParameterValues(self, parameters, context):
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        model = self.parameterAsFile(parameters, self.MODEL, context)
        problem = model_path_problem(self, model) or self.check_raster_destinations({
            self.tr("Explanation"): self.destination_value(parameters, self.OUTPUT),
            self.tr("Explanation per date"): self.destination_value(parameters, self.OUTPUT_DATES)})
        if problem:
            return False, problem
        from ...engine.models.model_file import load_model

        try:  # a few ms: the model file is small; a wrong target or method fails here, before the run
            bundle = load_model(model)
            bundle.resolve_target(self.parameterAsString(parameters, self.TARGET, context))
            registry.resolve({self.chosen_method(parameters, context).name}, bundle.spec)
        except LcxError as error:
            return False, str(error)
        return True, ""

    def process(self, parameters, context, feedback):
        method = self.chosen_method(parameters, context)
        target = self.parameterAsString(parameters, self.TARGET, context)
        kinds = [kind for kind, _ in method.produces]
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        output_dates = self.parameterAsOutputLayer(parameters, self.OUTPUT_DATES, context) or ""
        if output_dates and len(kinds) < 2:
            feedback.pushWarning(self.tr("'Explanation per date' is written for SHAP and Integrated Gradients "
                                         "only; Grad-CAM has its dates in the main output. Ignored."))
            layers = context.layersToLoadOnCompletion()
            if output_dates in layers:
                del layers[output_dates]
                context.setLayersToLoadOnCompletion(layers)
            output_dates = ""
        destinations = {kinds[0]: output}
        if output_dates:
            destinations[kinds[1]] = output_dates
        feedback.pushInfo(self.tr("Explaining with {0}, target {1}").format(method.name, target or "predicted"))
        run_job(feedback, context, self.inference_job(parameters, context, {method.name}, target), destinations)
        results = {self.OUTPUT: output}
        if output_dates:
            results[self.OUTPUT_DATES] = output_dates
        return results
