"""python -m land_cover_xai_plugin — info, train, predict, explain, validate, headless.

Bad input exits with code 2 and one line on stderr that says what is wrong and what to do;
no traceback, and nothing left in the output folder.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import time
from pathlib import Path

from ..engine.errors import LcxError
from ..engine.explain import registry
from ..engine.models.spec import ARCHS, ATTENTION_VARIANTS
from ..engine.training.trainer import TrainConfig
from ..engine.runtime import DEVICES

DEFAULT_ARCH = TrainConfig.arch  # what the benchmark chose (engine/training/trainer.py)

EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    """The command line: info, train, predict, explain, validate (methods and choices from the engine)."""
    parser = argparse.ArgumentParser(
        prog="python -m land_cover_xai_plugin",
        description="Land-cover classification of Sentinel-2 time series, with explanations.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    info = commands.add_parser("info", help="describe stacks (dates, bands, grid, CRS, scaling) or model files")
    info.add_argument("paths", nargs="+", metavar="PATH")
    info.set_defaults(run=cmd_info)

    train = commands.add_parser("train", help="train a model from a stack and labels / field data")
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
    train.add_argument("--out", required=True, metavar="MODEL", help="model file to write (.lcx)")
    train.add_argument("--report", metavar="JSON", help="write the training report as JSON")
    train.set_defaults(run=cmd_train)

    predict = commands.add_parser("predict", help="class map and confidence for a stack")
    add_inference_arguments(predict)
    for explainer in registry.available(category="classification"):  # --probabilities, --uncertainty
        predict.add_argument(f"--{explainer.name}", action="store_true",
                             help=f"also write: {explainer.description}")
    predict.set_defaults(run=cmd_predict)

    explain = commands.add_parser(
        "explain", help="class map, confidence and explanation rasters",
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

    validate = commands.add_parser("validate", help="accuracy of a class map against field data")
    validate.add_argument("--classification", required=True, metavar="RASTER")
    validate.add_argument("--field-data", required=True, metavar="PATH")
    validate.add_argument("--class-field", required=True, metavar="NAME")
    validate.add_argument("--name-field", metavar="NAME")
    validate.add_argument("--layer", metavar="NAME")
    validate.add_argument("--csv", metavar="PATH")
    validate.add_argument("--html", metavar="PATH")
    validate.set_defaults(run=cmd_validate)
    return parser


def add_stack_argument(parser: argparse.ArgumentParser) -> None:
    """--stack: one multi-band raster or several single-date rasters."""
    parser.add_argument("--stack", required=True, nargs="+", metavar="PATH",
                        help="one multi-band raster, or several single-date rasters on one grid")


def add_inference_arguments(parser: argparse.ArgumentParser) -> None:
    """The options predict and explain share: stack, model, output folder, device, batch size."""
    add_stack_argument(parser)
    parser.add_argument("--model", required=True, metavar="MODEL", help="model file (.lcx)")
    parser.add_argument("--out-dir", required=True, metavar="DIR")
    parser.add_argument("--device", default="auto", choices=DEVICES)
    parser.add_argument("--batch-size", type=int, default=None, help="pixels per batch (default: measured)")


# --- commands ---------------------------------------------------------------------------------

def cmd_info(args) -> int:
    """Print what a stack or a model file holds, as JSON."""
    from ..engine.jobs import describe_path

    described = [describe_path(path) for path in args.paths]
    print(json.dumps(described[0] if len(described) == 1 else described, indent=2, default=str))
    return 0


def cmd_train(args) -> int:
    """Train a model (TrainJob); one line per epoch on stderr."""
    from ..engine.jobs import TrainJob, run_train_job
    from ..engine.training.trainer import TrainConfig

    config = TrainConfig(arch=args.arch, attention=args.attention, patch_size=args.patch_size,
                         epochs=args.epochs, batch_size=args.batch_size, seed=args.seed, device=args.device)
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
    return run_inference_command(args, chosen, target="predicted")


def cmd_explain(args) -> int:
    """Class map, confidence and the explanation rasters of --method for --target."""
    return run_inference_command(args, set(args.method), target=args.target)


def run_inference_command(args, outputs: set[str], target) -> int:
    """An InferenceJob into ``--out-dir`` (removed again on failure when this run created it)."""
    from ..engine.jobs import InferenceJob, run_inference_job

    job = InferenceJob(stack_paths=list(args.stack), model_path=args.model, out_dir=args.out_dir,
                       outputs=outputs, target=target, device=args.device, batch_size=args.batch_size)
    started = time.perf_counter()
    result = run_inference_job(job, progress=ProgressPrinter())
    elapsed = time.perf_counter() - started
    print(f"done in {elapsed:.1f} s; outputs in {os.path.abspath(args.out_dir)}:", file=sys.stderr)
    for output in result.outputs:
        print(f"  {output.name:<14} {output.path}")
    return 0


def cmd_validate(args) -> int:
    """Accuracy of a class map against field data (ValidateJob)."""
    from ..engine.jobs import ValidateJob, run_validate_job

    report = run_validate_job(ValidateJob(args.classification, args.field_data, args.class_field,
                                          layer=args.layer, name_field=args.name_field,
                                          csv_path=args.csv, html_path=args.html))
    print(f"samples {report.n_samples}  overall accuracy {report.overall_accuracy:.3f}  "
          f"kappa {report.kappa:.3f}  macro-F1 {report.macro_f1:.3f}")
    for path in (args.csv, args.html):
        if path:
            print(f"written: {path}")
    return 0


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

def output_paths_of(args) -> list[Path]:
    """Files and folders a command may create: removed again if it fails."""
    paths = [getattr(args, name, None) for name in ("out", "report", "csv", "html")]
    return [Path(p) for p in paths if p]


def main(argv: list[str] | None = None) -> int:
    """Run one command; a user error exits 2 with one line on stderr. Inference outputs are rolled back by
    the engine's InferenceJob; the files of train / validate by this function."""
    args = build_parser().parse_args(argv)
    existed = {path: path.exists() for path in output_paths_of(args)}
    try:
        return args.run(args)
    except LcxError as error:
        remove_new_outputs(existed)
        print(f"error: {one_line(str(error))}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        remove_new_outputs(existed)
        print("interrupted: outputs removed", file=sys.stderr)
        return 130
    except Exception:
        remove_new_outputs(existed)
        raise


def remove_new_outputs(existed: dict[Path, bool]) -> None:
    """Delete the output files a failed command created (those that did not exist before it)."""
    for path, was_there in existed.items():
        if not was_there and path.exists() and path.is_file():
            path.unlink()


def one_line(message: str) -> str:
    """A message on one line (what stderr shows)."""
    return " ".join(part.strip() for part in message.strip().splitlines() if part.strip())


if __name__ == "__main__":
    sys.exit(main())
