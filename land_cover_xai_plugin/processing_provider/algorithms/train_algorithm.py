"""land_cover_xai:train — train a land-cover model from a Sentinel-2 time series and field data."""
from __future__ import annotations

import math
import os

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingOutputNumber,
)

from ...engine.data.validity import DEFAULT_CLOUD_FRACTION_MAX, MASK_PRESETS
from ...engine.jobs import architecture_choices
from ...engine.runtime import DEVICES
from ..base import MODEL_EXTENSION, LcxAlgorithm, raster_file, vector_file

# ARCHITECTURE enum index -> (TrainConfig.arch, TrainConfig.attention), from engine.models.spec
ARCHITECTURES = tuple(architecture_choices())
MASK_RULES = tuple(sorted(MASK_PRESETS))  # MASK_RULE enum index -> preset name


def default_architecture() -> int:
    """The ARCHITECTURE index of TrainConfig's default (what the accuracy benchmark chose)."""
    from ...engine.training.trainer import TrainConfig

    return ARCHITECTURES.index((TrainConfig.arch, TrainConfig.attention))


class TrainAlgorithm(LcxAlgorithm):
    INPUT = "INPUT"
    FIELD_DATA = "FIELD_DATA"
    CLASS_FIELD = "CLASS_FIELD"
    NAME_FIELD = "NAME_FIELD"
    ARCHITECTURE = "ARCHITECTURE"
    EPOCHS = "EPOCHS"
    SEED = "SEED"
    DEVICE = "DEVICE"
    PATCH_SIZE = "PATCH_SIZE"
    BATCH_SIZE = "BATCH_SIZE"
    MASK_CLOUDY_DATES = "MASK_CLOUDY_DATES"
    CLOUD_FRACTION_MAX = "CLOUD_FRACTION_MAX"
    MASKS = "MASKS"
    MASK_RULE = "MASK_RULE"
    GRID_STEP_DAYS = "GRID_STEP_DAYS"
    OUTPUT_MODEL = "OUTPUT_MODEL"
    OUTPUT_REPORT = "OUTPUT_REPORT"
    GROUP = "classification"

    def name(self):
        return "train"

    def displayName(self):
        return self.tr("Train a land cover model")

    def shortDescription(self):
        return self.tr("Trains a neural network on a Sentinel-2 time series and field data; writes a .lcx model.")

    def tags(self):
        return self.tr("deep learning,training,sentinel-2,time series,attention,tempcnn,land cover").split(",")

    def shortHelpString(self):
        return self.tr(
            "<p>Trains a pixel-wise land-cover classifier on a Sentinel-2 time series and field data, and "
            "writes it as a Land Cover XAI model file (.lcx) that holds the weights, class names and colours, "
            "bands, dates and scaling.</p>"
            "<p>The labelled pixels are split by whole field polygons (spatial blocks where there are none), "
            "separated by a buffer, into training, validation (early stopping) and a held-out test; the test "
            "scores and their 95 % intervals are returned and stored in the model.</p>"
            "<h3>Parameters</h3><ul>"
            "<li><b>Sentinel-2 time series</b>: one multi-band raster file whose band names give date and band "
            "(e.g. T1_2015-07-11_B04).</li>"
            "<li><b>Field data</b>: points or polygons in any CRS (reprojected and burnt onto the raster grid).</li>"
            "<li><b>Class field</b>: the field holding the class (numeric ids are kept; text gets ids 1..K in name "
            "order). Features with an empty class or 0 are ignored.</li>"
            "<li><b>Architecture</b>: the MLP ensemble (default: 5 series MLPs with a band gate, chosen by the "
            "accuracy benchmark; its members' disagreement is a Classify output), channel attention with "
            "squeeze-and-excitation or softmax band weights (explainable band by band), or TempCNN "
            "(Pelletier et al. 2019).</li>"
            "<li><b>Epochs</b>: maximum number of passes over the training pixels.</li>"
            "<li><b>Mask cloudy dates</b> (default on): a date whose declared cloud fraction (band metadata "
            "'cloud_fraction') exceeds the <b>threshold</b> (default 0.5) counts as missing and is filled in "
            "from the neighbouring dates by day; the model keeps the setting, so classifying masks the same way. "
            "A stack that declares no cloud fraction is used as it is.</li>"
            "<li><b>Cloud / shadow masks</b> (advanced): one mask raster per date, or one with a band per date, "
            "read with the <b>mask rule</b> (Sentinel-2 SCL, Theia CLM / MG2, Fmask).</li>"
            "<li><b>Temporal grid step</b> (advanced): every N days over the season (0 = the stack's own dates); "
            "the model then runs on any stack covering its season.</li>"
            "<li><b>Random seed</b>, <b>Device</b> (auto, cpu, cuda), <b>Spatial context</b> (k x k pixels, "
            "odd), <b>Batch size</b>, <b>Class name field</b>: advanced options.</li></ul>"
            "<h3>Outputs</h3><ul>"
            "<li><b>Model file</b> (.lcx), for 'Classify land cover' and 'Explain land cover predictions'.</li>"
            "<li><b>Training report</b> (optional JSON): settings, per-epoch history, test scores.</li>"
            "<li>Test overall accuracy, kappa and macro-F1 (numbers, NaN when there were too few blocks for a "
            "test set).</li></ul>")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, self.tr("Sentinel-2 time series")))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.FIELD_DATA, self.tr("Field data (points or polygons)"),
            [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            self.CLASS_FIELD, self.tr("Class field"), parentLayerParameterName=self.FIELD_DATA,
            type=QgsProcessingParameterField.Any))
        self.addParameter(QgsProcessingParameterEnum(
            self.ARCHITECTURE, self.tr("Architecture"), options=[self.architecture_label(a) for a in ARCHITECTURES],
            defaultValue=default_architecture()))
        self.addParameter(QgsProcessingParameterNumber(
            self.EPOCHS, self.tr("Epochs (maximum; training stops early when validation stops improving)"),
            QgsProcessingParameterNumber.Integer, defaultValue=60, minValue=1, maxValue=10000))
        self.addParameter(QgsProcessingParameterBoolean(
            self.MASK_CLOUDY_DATES, self.tr("Mask cloudy dates (declared cloud fraction above the threshold)"),
            defaultValue=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.CLOUD_FRACTION_MAX, self.tr("Cloud fraction threshold (0..1)"),
            QgsProcessingParameterNumber.Double, defaultValue=DEFAULT_CLOUD_FRACTION_MAX, minValue=0.0,
            maxValue=1.0))
        advanced = [
            QgsProcessingParameterMultipleLayers(
                self.MASKS, self.tr("Cloud / shadow masks (one raster per date, or one band per date)"),
                QgsProcessing.TypeRaster, optional=True),
            QgsProcessingParameterEnum(self.MASK_RULE, self.tr("Mask rule"), options=list(MASK_RULES),
                                       defaultValue=MASK_RULES.index("s2_scl"), optional=True),
            QgsProcessingParameterNumber(self.GRID_STEP_DAYS, self.tr("Temporal grid step in days (0 = the "
                                                                      "stack's own dates)"),
                                         QgsProcessingParameterNumber.Integer, defaultValue=0, optional=True,
                                         minValue=0, maxValue=366),
            QgsProcessingParameterNumber(self.SEED, self.tr("Random seed"), QgsProcessingParameterNumber.Integer,
                                         defaultValue=0, optional=True, minValue=0),
            QgsProcessingParameterEnum(self.DEVICE, self.tr("Device"), options=list(DEVICES), defaultValue=0,
                                       optional=True),
            QgsProcessingParameterNumber(self.PATCH_SIZE, self.tr("Spatial context (k x k pixels, odd; 1 = pixel)"),
                                         QgsProcessingParameterNumber.Integer, defaultValue=1, optional=True,
                                         minValue=1, maxValue=15),
            QgsProcessingParameterNumber(self.BATCH_SIZE, self.tr("Batch size (pixels)"),
                                         QgsProcessingParameterNumber.Integer, defaultValue=256, optional=True,
                                         minValue=2),
            QgsProcessingParameterField(self.NAME_FIELD, self.tr("Class name field (beside numeric class ids)"),
                                        parentLayerParameterName=self.FIELD_DATA, optional=True),
        ]
        for parameter in advanced:
            parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(parameter)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_MODEL, self.tr("Model file"), fileFilter=self.tr("Land Cover XAI model (*.lcx)")))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_REPORT, self.tr("Training report"), fileFilter=self.tr("JSON files (*.json)"),
            optional=True, createByDefault=False))
        self.add_overwrite_parameter()
        self.addOutput(QgsProcessingOutputNumber("TEST_OVERALL_ACCURACY", self.tr("Test overall accuracy")))
        self.addOutput(QgsProcessingOutputNumber("TEST_KAPPA", self.tr("Test kappa")))
        self.addOutput(QgsProcessingOutputNumber("TEST_MACRO_F1", self.tr("Test macro-F1")))

    def architecture_label(self, choice: tuple[str, str]) -> str:
        """The enum label of an (arch, attention variant) pair; an architecture added later shows its name."""
        labels = {("attention", "se"): self.tr("Channel attention, squeeze-and-excitation (SE)"),
                  ("attention", "softmax"): self.tr("Channel attention, softmax over bands"),
                  ("tempcnn", "se"): self.tr("TempCNN"),
                  ("mlp", "se"): self.tr("MLP ensemble")}
        label = labels.get(tuple(choice), choice[0])
        return label + " " + self.tr("(default)") if tuple(choice) == ARCHITECTURES[default_architecture()] else label

    def checkParameterValues(self, parameters, context):
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        out = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context)
        if out and not out.lower().endswith("." + MODEL_EXTENSION):
            return False, self.tr("The model file must end in .lcx; got {0}.").format(out)
        patch = self.parameterAsInt(parameters, self.PATCH_SIZE, context)
        if patch % 2 == 0:
            return False, self.tr("The spatial context must be odd (1, 3, 5 ...); got {0}.").format(patch)
        return True, ""

    def validity(self, parameters, context):
        """The ValidityConfig of the masking parameters (engine.data.validity.training_validity)."""
        from ...engine.data.validity import training_validity

        masks = [layer.source() for layer in self.parameterAsLayerList(parameters, self.MASKS, context) or []]
        return training_validity(self.parameterAsBoolean(parameters, self.MASK_CLOUDY_DATES, context),
                                 self.parameterAsDouble(parameters, self.CLOUD_FRACTION_MAX, context), masks,
                                 MASK_RULES[self.parameterAsEnum(parameters, self.MASK_RULE, context)])

    def process(self, parameters, context, feedback):
        from ...engine.jobs import TrainJob, run_train_job
        from ...engine.training.trainer import TrainConfig

        stack = raster_file(self, parameters, self.INPUT, context)
        field_path, layer_name = vector_file(self, parameters, self.FIELD_DATA, context, feedback)
        class_field = self.parameterAsString(parameters, self.CLASS_FIELD, context)
        name_field = self.parameterAsString(parameters, self.NAME_FIELD, context) or None
        arch, attention = ARCHITECTURES[self.parameterAsEnum(parameters, self.ARCHITECTURE, context)]
        epochs = self.parameterAsInt(parameters, self.EPOCHS, context)
        config = TrainConfig(
            arch=arch, attention=attention, epochs=epochs,
            seed=self.parameterAsInt(parameters, self.SEED, context),
            device=DEVICES[self.parameterAsEnum(parameters, self.DEVICE, context)],
            patch_size=self.parameterAsInt(parameters, self.PATCH_SIZE, context) or 1,
            batch_size=self.parameterAsInt(parameters, self.BATCH_SIZE, context) or 256,
            validity=self.validity(parameters, context),
            grid_step_days=self.parameterAsInt(parameters, self.GRID_STEP_DAYS, context) or None)
        out_model = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context)
        out_report = self.parameterAsFileOutput(parameters, self.OUTPUT_REPORT, context) or None
        from ...engine.jobs import check_file_destination

        for path, what in ((out_model, "model file"), (out_report, "training report")):
            if path:
                check_file_destination(path, what)  # a folder / under a file: said so, before training
        self.check_not_overwritten((out_model, out_report), self.overwrite(parameters, context))  # before training

        feedback.pushInfo(self.tr("Training {0} ({1}) for up to {2} epochs on {3}").format(
            arch, attention if arch == "attention" else "-", epochs, stack))

        def on_epoch(epoch) -> None:
            feedback.setProgress(100.0 * epoch.epoch / max(1, epoch.n_epochs))
            feedback.pushInfo(epoch.summary())

        job = TrainJob(stack_paths=[stack], labels_path=field_path, out_model=out_model, class_field=class_field,
                       name_field=name_field, layer=layer_name, report_path=out_report, config=config)
        existed = {p: os.path.exists(p) for p in (out_model, out_report) if p}
        try:
            bundle = run_train_job(job, progress=on_epoch, is_cancelled=feedback.isCanceled)
        except BaseException:
            for path, was_there in existed.items():
                if not was_there and os.path.exists(path):
                    os.remove(path)
            raise
        feedback.setProgress(100)
        test = (bundle.report or {}).get("test") or {}
        results = {self.OUTPUT_MODEL: out_model}
        if out_report:
            results[self.OUTPUT_REPORT] = out_report
        for key, name in (("overall_accuracy", "TEST_OVERALL_ACCURACY"), ("kappa", "TEST_KAPPA"),
                          ("macro_f1", "TEST_MACRO_F1")):
            value = test.get(key)
            results[name] = float(value) if isinstance(value, (int, float)) else math.nan
        feedback.pushInfo(self.tr("Model written: {0} (classes: {1}); held-out test OA {2:.3f}, kappa {3:.3f}, "
                                  "macro-F1 {4:.3f}").format(
            out_model, ", ".join(f"{c.id} {c.name}" for c in bundle.classes), results["TEST_OVERALL_ACCURACY"],
            results["TEST_KAPPA"], results["TEST_MACRO_F1"]))
        return results
