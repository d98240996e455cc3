"""check_compatible: the one stack / model check, fed a real StackInfo read from GeoTIFFs (the dock, the pixel
view and inference all go through it)."""
from pathlib import Path

import pytest

import land_cover_xai_plugin
from land_cover_xai_plugin.engine.errors import StackMismatchError
from land_cover_xai_plugin.engine.io.stack import open_stack, read_stack_info
from land_cover_xai_plugin.engine.models.model_file import (
    ClassInfo,
    ModelBundle,
    check_compatible,
    require_compatible,
)
from land_cover_xai_plugin.engine.models.spec import ModelSpec

SAMPLE_STACK = Path(land_cover_xai_plugin.__file__).resolve().parent / "sample_data" / "s2_l1c_stack.tif"
SAMPLE_BANDS = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
SAMPLE_DATES = ["2015-07-11", "2015-07-31", "2015-08-20", "2015-08-30", "2015-09-09"]


def bundle_for(bands, dates) -> ModelBundle:
    """A model description (no weights are needed to check a stack against it)."""
    spec = ModelSpec(arch="tempcnn", n_bands=len(bands), n_dates=len(dates), n_classes=2)
    return ModelBundle(spec=spec, bands=list(bands), dates=list(dates),
                       classes=[ClassInfo(1, "forest", "#1b7837"), ClassInfo(2, "water", "#1f78b4")])


def test_a_fitting_stack_has_no_problem_even_with_extra_bands_in_another_order():
    info = read_stack_info(str(SAMPLE_STACK))
    assert check_compatible(bundle_for(SAMPLE_BANDS, SAMPLE_DATES), info) == []
    assert check_compatible(bundle_for(["B08", "B04", "B03"], SAMPLE_DATES), info) == []
    require_compatible(bundle_for(SAMPLE_BANDS, SAMPLE_DATES), info)


def test_missing_bands_and_date_count_are_named():
    info = read_stack_info(str(SAMPLE_STACK))
    # a model of April: the stack's July-September dates do not cover its season (any other dates would be
    # resampled onto the model's days, whatever their number: tests/engine/test_calendar.py)
    bundle = bundle_for(["B02", "B04", "B99"], ["2015-04-01", "2015-04-11", "2015-04-21"])
    problems = check_compatible(bundle, info)
    assert len(problems) == 2
    assert "lacks band(s) B99" in problems[0] and "B8A" in problems[0]
    assert "does not cover the model's season" in problems[1] and "2015-04-01 .. 2015-04-21" in problems[1]
    assert check_compatible(bundle_for(SAMPLE_BANDS, SAMPLE_DATES[:3]), info) == []
    with pytest.raises(StackMismatchError, match="does not fit the model.*B99.*season.*train a model"):
        require_compatible(bundle, info)


def test_open_stack_and_its_info_get_the_same_verdict_through_check_fits():
    bundle = bundle_for(SAMPLE_BANDS[:-1] + ["B99"], SAMPLE_DATES)
    info = read_stack_info(str(SAMPLE_STACK))
    with open_stack(str(SAMPLE_STACK)) as stack:
        assert check_compatible(bundle, stack) == check_compatible(bundle, info)
        with pytest.raises(StackMismatchError) as from_stack:
            bundle.check_fits(stack)
    with pytest.raises(StackMismatchError) as from_info:
        bundle.check_fits(info)
    assert str(from_stack.value) == str(from_info.value)
