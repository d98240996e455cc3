"""python -m land_cover_xai_plugin — info, train, predict, explain, validate, headless.

Bad input exits with code 2 and one line on stderr that says what is wrong and what to do;
no traceback, and nothing left in the output folder (the engine's jobs own and roll back their
outputs). SIGTERM cleans up like Ctrl-C. An unexpected failure exits 1 with one line; --debug
shows its traceback.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import textwrap
import time
import traceback

from ..engine.data.validity import DEFAULT_CLOUD_FRACTION_MAX, MASK_PRESETS
from ..engine.errors import LcxError
from ..engine.explain import registry
from ..engine.models.spec import ARCHS, ATTENTION_VARIANTS
from ..engine.training.trainer import TrainConfig
from ..engine.runtime import DEVICES

DEFAULT_ARCH = TrainConfig.arch  # what the benchmark chose (engine/training/trainer.py)

MAX_PATCH_SIZE = 31  # engine.models.spec.ModelSpec.problems refuses larger spatial contexts
EXIT_USER_ERROR = 2
EXIT_UNEXPECTED = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM


class UsageError(LcxError):
    """An option that can only fail, found before any work starts."""


class OneLineParser(argparse.ArgumentParser):
    """argparse whose usage errors are one 'error: ...' line on stderr (exit 2), like every other refusal."""

    def error(self, message: str):
        self.exit(EXIT_USER_ERROR, f"error: {message} (see: {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The command line: info, train, predict, explain, validate (methods and choices from the engine)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback of an unexpected error, and the engine's log")
    parser = OneLineParser(
        prog="python -m land_cover_xai_plugin",
        description="Land-cover classification of Sentinel-2 time series, with explanations.",
    )
    parser.add_argument("--debug", action="store_true", help="show the traceback of an unexpected error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    info = commands.add_parser("info", parents=[common],
                               help="describe stacks (dates, bands, grid, CRS, scaling) or model files")
    info.add_argument("paths", nargs="+", metavar="PATH")
    info.set_defaults(run=cmd_info)

    train = commands.add_parser("train", parents=[common], help="train a model from a stack and labels / field data")
    add_stack_argument(train)
    train.add_argument("--labels", required=True, metavar="PATH",
                       help="label raster on the stack grid, or field data (points / polygons, any CRS)")
    train.add_argument("--class-field", metavar="NAME", help="field of the field data holding the class (id or name)")
    train.add_argument("--name-field", metavar="NAME", help="optional field with class names beside numeric ids")
    train.add_argument("--layer", metavar="NAME", help="layer of a multi-layer vector file")
    train.add_argument("--class-names", metavar="CSV", help="CSV of 'id,name' rows naming the classes")
    train.add_argument("--arch", choices=ARCHS, default=DEFAULT_ARCH, help=f"default: {DEFAULT_ARCH}")
    train.add_argument("--attention", choices=ATTENTION_VARIANTS, default="se",
                       help="band attention variant of the attention model (default: se)")
    train.add_argument("--patch-size", type=int, default=1, help="k x k spatial context (odd; default 1 = pixel)")
    train.add_argument("--epochs", type=int, default=60)
    train.add_argument("--batch-size", type=int, default=256)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--device", default="auto", choices=DEVICES)
    train.add_argument("--cloud-fraction-max", type=float, metavar="X",
                       help="a date whose declared cloud fraction exceeds X (0..1) counts as missing and is "
                            f"re-filled by day (default: {DEFAULT_CLOUD_FRACTION_MAX}, silent on a stack declaring "
                            "no cloud fraction)")
    train.add_argument("--no-cloud-masking", action="store_true",
                       help="use every date whatever its declared cloud fraction")
    add_mask_arguments(train)
    train.add_argument("--grid-step-days", type=int, metavar="N",
                       help="the model's temporal grid: every N days over the training stack's season "
                            "(default: the training stack's own dates)")
    train.add_argument("--out", required=True, metavar="MODEL", help="model file to write (.lcx)")
    train.add_argument("--report", metavar="JSON", help="write the training report as JSON")
    add_overwrite_argument(train, "the model file and report")
    train.set_defaults(run=cmd_train)

    predict = commands.add_parser("predict", parents=[common], help="class map and confidence for a stack")
    add_inference_arguments(predict)
    for explainer in registry.available(category="classification"):  # --probabilities, --uncertainty ...
        predict.add_argument(f"--{explainer.name}", action="store_true",
                             help=f"also write: {explainer.description}"
                             + (" (--uncertainty includes it for an ensemble model)"
                                if explainer.name == "disagreement" else ""))
    predict.set_defaults(run=cmd_predict)

    explain = commands.add_parser(
        "explain", parents=[common], help="class map, confidence and explanation rasters",
        epilog="methods:\n" + "\n".join(textwrap.fill(text, 100, initial_indent=f"  {name:<14} ",
                                                      subsequent_indent=" " * 17)
                                        for name, _, text in registry.help_lines()),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_inference_arguments(explain)
    explain.add_argument("--method", action="append", choices=registry.names(), required=True,
                         help="repeat for several (see 'methods' below)")
    explain.add_argument("--target", default="predicted",
                         help="class explained: 'predicted' (default), a class id or a class name")
    explain.set_defaults(run=cmd_explain)

    validate = commands.add_parser("validate", parents=[common], help="accuracy of a class map against field data")
    validate.add_argument("--classification", required=True, metavar="RASTER")
    validate.add_argument("--field-data", required=True, metavar="PATH",
                          help="reference points / polygons (any CRS), or a label raster on the map's grid")
    validate.add_argument("--class-field", metavar="NAME", help="field of the field data holding the class "
                          "(required for points / polygons)")
    validate.add_argument("--name-field", metavar="NAME")
    validate.add_argument("--layer", metavar="NAME")
    validate.add_argument("--csv", metavar="PATH")
    validate.add_argument("--html", metavar="PATH")
    add_overwrite_argument(validate, "the --csv / --html reports")
    validate.set_defaults(run=cmd_validate)
    return parser


def add_stack_argument(parser: argparse.ArgumentParser) -> None:
    """--stack: one multi-band raster or several single-date rasters."""
    parser.add_argument("--stack", required=True, nargs="+", metavar="PATH",
                        help="one multi-band raster, or several single-date rasters on one grid")


def add_overwrite_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """--overwrite: replace earlier results (refused without it)."""
    parser.add_argument("--overwrite", action="store_true",
                        help=f"replace {what} if they exist already (refused otherwise)")


def add_mask_arguments(parser: argparse.ArgumentParser, rule_default: str | None = "s2_scl") -> None:
    """--mask (repeatable) and --mask-rule: the stack's own cloud / shadow / snow masks."""
    parser.add_argument("--mask", action="append", default=[], metavar="PATH",
                        help="mask raster on the stack's grid: one per date (repeat), or one with a band per date")
    parser.add_argument("--mask-rule", choices=sorted(MASK_PRESETS), default=rule_default,
                        help="how the masks mark unusable observations (default: "
                             + (rule_default or "the model's rule") + ")")


def add_inference_arguments(parser: argparse.ArgumentParser) -> None:
    """The options predict and explain share: stack, model, masks, output folder, device, batch size, overwrite."""
    add_stack_argument(parser)
    add_mask_arguments(parser, rule_default=None)
    parser.add_argument("--model", required=True, metavar="MODEL", help="model file (.lcx)")
    parser.add_argument("--out-dir", required=True, metavar="DIR")
    parser.add_argument("--device", default="auto", choices=DEVICES)
    parser.add_argument("--batch-size", type=int, default=None, help="pixels per batch (default: measured)")
    add_overwrite_argument(parser, "the results in --out-dir")


# --- cheap checks of the options, before any work ---------------------------------------------

def check_file_target(path: str, option: str, overwrite: bool = True) -> None:
    """``path`` can become a file: not a folder, its parent a folder (or creatable), not an existing file
    unless ``overwrite``. Raises UsageError naming ``option`` and the fix."""
    from ..engine.io.outputs import OutputError, check_output_folder

    absolute = os.path.abspath(path)
    if os.path.isdir(absolute):
        raise UsageError(f"{option} {path} is a folder: give a file name inside it.")
    if os.path.lexists(absolute) and not overwrite:
        raise UsageError(f"{path} exists already: pass --overwrite to replace it, or choose another {option}.")
    try:
        check_output_folder(os.path.dirname(absolute), [])  # the folder it goes into: a folder, writable
    except OutputError as error:
        raise UsageError(f"{option} {path}: {error}") from None


def check_inference_options(args, outputs: set[str], target):
    """Load the model, resolve the target and the outputs, and check --out-dir, all before the stack is
    read. -> the ModelBundle (handed to the job, so the model is read once)."""
    from ..engine.inference.streaming import plan_outputs
    from ..engine.io.outputs import check_output_folder, existing_outputs
    from ..engine.models.model_file import load_model

    if args.batch_size is not None and args.batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, not {args.batch_size}.")
    check_output_folder(args.out_dir, [], overwrite=True)  # a file / under a file / not writable
    bundle = load_model(args.model)
    target_id, _ = bundle.resolve_target(target)
    names = [spec.name for spec in plan_outputs(bundle, outputs, target_id).specs]
    taken = existing_outputs(os.path.abspath(args.out_dir), names)
    if taken and not args.overwrite:
        raise UsageError(f"{args.out_dir} already holds results ({', '.join(taken[:4])}"
                         + (", ..." if len(taken) > 4 else "")
                         + "): pass --overwrite to replace them, or choose another --out-dir.")
    return bundle


# --- commands ---------------------------------------------------------------------------------

def cmd_info(args) -> int:
    """Print what a stack or a model file holds, as strict JSON (NaN / infinity as null)."""
    from ..engine.jobs import describe_path
    from ..engine.models.model_file import _json_safe

    described = [describe_path(path) for path in args.paths]
    payload = _json_safe(described[0] if len(described) == 1 else described)
    print(json.dumps(payload, indent=2, default=str, allow_nan=False))
    return 0


def train_validity(args):
    """The ValidityConfig of the train options: the default threshold, the user's, or none; and the masks."""
    from ..engine.data.validity import training_validity

    if args.no_cloud_masking and args.cloud_fraction_max is not None:
        raise UsageError("--cloud-fraction-max and --no-cloud-masking contradict each other: give one of them.")
    return training_validity(not args.no_cloud_masking, args.cloud_fraction_max, args.mask, args.mask_rule)


def inference_validity(args, bundle):
    """--mask / --mask-rule of predict / explain on top of the model's validity settings (None: the model's)."""
    if args.mask_rule and not args.mask:
        raise UsageError("--mask-rule says how to read --mask rasters: give the masks with --mask PATH.")
    return bundle.validity.with_masks(args.mask, args.mask_rule) if args.mask else None


def cmd_train(args) -> int:
    """Train a model (TrainJob); one line per epoch on stderr. Options that can only fail are refused first."""
    from ..engine.jobs import TrainJob, run_train_job

    config = TrainConfig(arch=args.arch, attention=args.attention, patch_size=args.patch_size,
                         epochs=args.epochs, batch_size=args.batch_size, seed=args.seed, device=args.device,
                         validity=train_validity(args), grid_step_days=args.grid_step_days)
    config.check()
    if not 1 <= args.patch_size <= MAX_PATCH_SIZE:  # the model's own limit (models.spec), found before reading
        raise UsageError(f"--patch-size must be odd and between 1 and {MAX_PATCH_SIZE}, not {args.patch_size}.")
    check_file_target(args.out, "--out", args.overwrite)
    if args.report:
        check_file_target(args.report, "--report", args.overwrite)
    job = TrainJob(stack_paths=args.stack, labels_path=args.labels, out_model=args.out,
                   class_field=args.class_field, name_field=args.name_field, layer=args.layer,
                   report_path=args.report, class_names_path=args.class_names, config=config)

    bundle = run_train_job(job, progress=lambda epoch: print(epoch.summary(), file=sys.stderr))
    test = bundle.report.get("test") or {}
    summary = ", ".join(f"{k} {test[k]:.3f}" for k in ("overall_accuracy", "macro_f1", "kappa")
                        if isinstance(test.get(k), (int, float)))
    print(f"model written: {args.out}" + (f" (held-out blocks: {summary})" if summary else ""))
    if args.report:
        print(f"report written: {args.report}")
    return 0


def cmd_predict(args) -> int:
    """Class map and confidence, plus the classification outputs asked for (--probabilities, --uncertainty)."""
    chosen = {e.name for e in registry.available(category="classification") if getattr(args, e.name, False)}
    if "uncertainty" in chosen and "disagreement" not in chosen and os.path.isfile(args.model):
        from ..engine.models.model_file import load_model

        with contextlib.suppress(LcxError):  # an unreadable model is reported by the run itself
            if registry.get("disagreement").supports(load_model(args.model).spec):
                chosen.add("disagreement")  # an ensemble's uncertainty includes its members' disagreement
    return run_inference_command(args, chosen, target="predicted")


def cmd_explain(args) -> int:
    """Class map, confidence and the explanation rasters of --method for --target."""
    return run_inference_command(args, set(args.method), target=args.target)


def run_inference_command(args, outputs: set[str], target) -> int:
    """An InferenceJob into ``--out-dir``; the engine refuses a folder in use, and removes what this run
    created when it fails or is interrupted."""
    from ..engine.jobs import InferenceJob, run_inference_job

    bundle = check_inference_options(args, outputs, target)
    job = InferenceJob(stack_paths=list(args.stack), model_path=args.model, bundle=bundle, out_dir=args.out_dir,
                       outputs=outputs, target=target, device=args.device, batch_size=args.batch_size,
                       overwrite=args.overwrite, validity=inference_validity(args, bundle))
    started = time.perf_counter()
    result = run_inference_job(job, progress=ProgressPrinter())
    elapsed = time.perf_counter() - started
    print_warnings(getattr(result, "warnings", ()))
    print(f"done in {elapsed:.1f} s; outputs in {os.path.abspath(args.out_dir)}:", file=sys.stderr)
    for output in result.outputs:
        print(f"  {output.name:<14} {output.path}")
    return 0


def cmd_validate(args) -> int:
    """Accuracy of a class map against field data (ValidateJob)."""
    from ..engine.jobs import ValidateJob, run_validate_job

    for option, path in (("--csv", args.csv), ("--html", args.html)):
        if path:
            check_file_target(path, option, args.overwrite)
    if not args.class_field:
        from ..engine.jobs import is_vector

        if is_vector(args.field_data):
            raise UsageError(f"{args.field_data} is field data: say which field holds the class (--class-field "
                             "NAME).")
    if args.csv and args.html and os.path.abspath(args.csv) == os.path.abspath(args.html):
        raise UsageError(f"--csv and --html both name {args.csv}: give each report its own file.")
    report = run_validate_job(ValidateJob(args.classification, args.field_data, args.class_field,
                                          layer=args.layer, name_field=args.name_field,
                                          csv_path=args.csv, html_path=args.html, overwrite=args.overwrite))
    print_warnings(report.notes)  # caveats first: e.g. the field data are the model's training data
    print(f"samples {report.n_samples}  overall accuracy {report.overall_accuracy:.3f}  "
          f"kappa {report.kappa:.3f}  macro-F1 {report.macro_f1:.3f}")
    for path in (args.csv, args.html):
        if path:
            print(f"written: {path}")
    return 0


def print_warnings(warnings) -> None:
    """The engine's warnings about a result (input scale, season, overlap with the training data), one
    'warning: ...' line each on stderr."""
    for warning in warnings or ():
        print(f"warning: {one_line(str(warning))}", file=sys.stderr)


class ProgressPrinter:
    """A progress bar on stderr when it is a terminal; silent in pipes and logs, where an error must stay the
    only line on stderr."""

    def __init__(self):
        self.last = -1.0
        self.tty = sys.stderr.isatty()

    def __call__(self, fraction: float) -> None:
        if not self.tty or (fraction - self.last < 0.01 and fraction < 1.0):
            return
        self.last = fraction
        bar = "#" * int(fraction * 30)
        print(f"\r[{bar:<30}] {fraction:6.1%}", end="\n" if fraction >= 1.0 else "", file=sys.stderr, flush=True)


# --- entry point --------------------------------------------------------------------------------

@contextlib.contextmanager
def quiet_libraries(debug: bool):
    """GDAL / PROJ messages and the engine's log kept off stderr (the engine turns what matters into its
    error or into result.warnings); with --debug they are shown."""
    from osgeo import gdal

    package_log = logging.getLogger(__name__.split(".")[0])
    if debug:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        yield
        return
    quiet = logging.NullHandler()
    package_log.addHandler(quiet)  # no lastResort handler printing the engine's warnings a second time
    package_log.propagate = False
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    try:
        yield
    finally:
        gdal.PopErrorHandler()
        package_log.removeHandler(quiet)
        package_log.propagate = True


def main(argv: list[str] | None = None) -> int:
    """Run one command: a user error exits 2 with one line on stderr, an interruption (Ctrl-C, SIGTERM) 130 /
    143 after the engine removed this run's files, an unexpected error 1 with one line (--debug: traceback)."""
    from ..engine.io.outputs import Terminated, terminate_as_exception

    args = build_parser().parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    try:
        with terminate_as_exception(), quiet_libraries(debug):
            code = args.run(args)
        sys.stdout.flush()  # a closed pipe (info | head) shows here, not at exit
        return code
    except LcxError as error:
        print(f"error: {one_line(str(error))}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted: this run's outputs were removed", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("terminated: this run's outputs were removed", file=sys.stderr)
        return EXIT_TERMINATED
    except BrokenPipeError:
        # the reader went away (info | head): nothing to say; stdout points at /dev/null so that the
        # interpreter's final flush does not complain either
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except MemoryError:
        print("error: out of memory: use a smaller --batch-size or a smaller stack region", file=sys.stderr)
        return EXIT_USER_ERROR
    except Exception as error:  # noqa: BLE001 - a bug, not bad input: one line, the traceback on request
        if debug:
            traceback.print_exc()
        print(f"unexpected error: {type(error).__name__}: {one_line(str(error))} "
              "(run with --debug for the traceback)", file=sys.stderr)
        return EXIT_UNEXPECTED


def one_line(message: str) -> str:
    """A message on one line (what stderr shows)."""
    return " ".join(part.strip() for part in message.strip().splitlines() if part.strip())


if __name__ == "__main__":
    sys.exit(main())
