"""Spatial train / validation / test splits and cross-validation folds.

Neighbouring pixels are nearly copies of each other (same field, same parcel): a random pixel split
leaks them across the splits and reports optimistic accuracies. ``grouped_split`` (training's default)
and ``cross_validation_splits`` (the accuracy benchmark) send whole units to one side: the field polygon
a pixel was burned from (``LabelRaster.polygon_ids``), else its square block of ``block_size`` px; a
polygon too big to stay whole is cut into its block pieces. Units are assigned greedily, rarest class
first, so each class reaches training whenever it has a unit, then the test side, then validation. A
buffer of ``buffer`` px (default: the model's patch half-width + 3) around the held-out sides is used by
neither side. ``spatial_block_split`` is the older block-only split without a buffer.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from ..errors import LabelsError

SPLITS = ("train", "val", "test")


@dataclass
class BlockSplit:
    """Indices (into the labelled-pixel arrays given to ``spatial_block_split``) of each split."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    block_of_pixel: np.ndarray  # block id of every labelled pixel
    block_size: int

    def blocks(self, name: str) -> set[int]:
        """Ids of the spatial blocks that one split (``train`` / ``val`` / ``test``) draws from."""
        return set(np.unique(self.block_of_pixel[getattr(self, name)]).tolist())

    def class_counts(self, y: np.ndarray) -> dict[str, dict[int, int]]:
        """Pixel count per class in each split, to check that every class reaches each side."""
        out = {}
        for name in SPLITS:
            ids, counts = np.unique(np.asarray(y)[getattr(self, name)], return_counts=True)
            out[name] = {int(i): int(c) for i, c in zip(ids, counts)}
        return out


def block_ids(rows: np.ndarray, cols: np.ndarray, block_size: int) -> np.ndarray:
    """Block id of each pixel: square blocks of ``block_size`` px on the raster grid."""
    rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
    n_block_cols = int(cols.max()) // block_size + 1 if cols.size else 1
    return (rows // block_size) * n_block_cols + cols // block_size


def spatial_block_split(rows, cols, y, block_size: int = 16, val_fraction: float = 0.2,
                        test_fraction: float = 0.2, seed: int = 0) -> BlockSplit:
    """Split labelled pixels (row, col, class id) into train / val / test by whole blocks.

    Greedy, rarest class first: each of the class's still unassigned blocks (in seeded random order)
    goes to the split furthest below its target share of that class, training first while it has
    none of the class. Every block holds a labelled pixel, so every block is assigned.
    """
    y = np.asarray(y)
    if block_size < 1:
        raise LabelsError(f"block_size must be at least 1 pixel, got {block_size}. Choose a positive block size.")
    if not (0 <= val_fraction < 1 and 0 <= test_fraction < 1 and val_fraction + test_fraction < 1):
        raise LabelsError(
            f"val_fraction ({val_fraction}) and test_fraction ({test_fraction}) must be in [0, 1) and leave "
            "room for training. Lower them."
        )
    n = y.shape[0]
    if n == 0:
        raise LabelsError("There are no labelled pixels to split. Check that the labels overlap the stack.")
    blocks = block_ids(rows, cols, block_size)
    unique_blocks, block_index = np.unique(blocks, return_inverse=True)
    classes, class_index = np.unique(y, return_inverse=True)
    # counts[block, class]
    counts = np.zeros((unique_blocks.size, classes.size), np.int64)
    np.add.at(counts, (block_index, class_index), 1)

    rng = np.random.default_rng(seed)
    targets = np.array([1.0 - val_fraction - test_fraction, val_fraction, test_fraction])
    assignment = np.full(unique_blocks.size, -1, np.int64)
    split_class = np.zeros((3, classes.size), np.int64)  # pixels of each class per split so far
    for c in np.argsort(counts.sum(axis=0), kind="stable"):  # rarest class first
        candidates = np.flatnonzero((counts[:, c] > 0) & (assignment < 0))
        candidates = candidates[rng.permutation(candidates.size)]
        total_c = counts[:, c].sum()
        for block in candidates:
            if split_class[0, c] == 0:
                choice = 0  # the class must be learnable
            else:
                deficit = targets * total_c - split_class[:, c]
                deficit[targets == 0] = -np.inf
                choice = int(np.argmax(deficit))
            assignment[block] = choice
            split_class[choice] += counts[block]
    pixel_split = assignment[block_index]
    return BlockSplit(
        train=np.flatnonzero(pixel_split == 0),
        val=np.flatnonzero(pixel_split == 1),
        test=np.flatnonzero(pixel_split == 2),
        block_of_pixel=blocks,
        block_size=int(block_size),
    )


# --- polygon-grouped, buffered spatial splits and folds --------------------------------------------
# A block split alone still leaks: a field polygon cut by a block edge lends training pixels to the test
# side, and pixels on either side of a block edge are near-copies of each other. Here the unit that goes
# whole to one side is the field polygon (when the labels come from polygons), and a buffer of pixels
# around each held-out side is used by neither side.
UNUSED, TRAIN, VAL, TEST = 0, 1, 2, 3
SIDE_NAMES = {TRAIN: "train", VAL: "val", TEST: "test"}


def default_buffer(patch_size: int = 1, margin: int = 3) -> int:
    """Buffer (px) between sides: the model's spatial context (patch half-width) plus a few pixels."""
    return int(patch_size) // 2 + int(margin)


@dataclass
class Split:
    """Side (``UNUSED`` buffer / ``TRAIN`` / ``VAL`` / ``TEST``) of every labelled pixel, and how it was made.

    ``side`` and ``unit`` are aligned with the labelled-pixel arrays they were built from, or are (H, W)
    rasters (``to_raster``) that ``at(rows, cols)`` samples back. ``unit`` is the group that went whole to
    one side (a polygon, a polygon's piece in one block, or a block): the resampling unit of the block
    bootstrap.
    """

    side: np.ndarray
    unit: np.ndarray
    kind: str = "given"  # "polygons+blocks" | "blocks" | "given"
    block_size: int = 0
    buffer: int = 0
    seed: int = 0
    fold: Optional[int] = None
    n_folds: Optional[int] = None
    cut_polygons: list = field(default_factory=list)  # polygons too large to stay whole, cut by blocks

    def indices(self, name: str) -> np.ndarray:
        """Flat pixel indices on one side: ``train``, ``val``, ``test`` or ``unused``."""
        code = {"train": TRAIN, "val": VAL, "test": TEST, "unused": UNUSED}[name]
        return np.flatnonzero(np.asarray(self.side).ravel() == code)

    @property
    def train(self) -> np.ndarray:
        """Flat indices of the training pixels."""
        return self.indices("train")

    @property
    def val(self) -> np.ndarray:
        """Flat indices of the validation pixels."""
        return self.indices("val")

    @property
    def test(self) -> np.ndarray:
        """Flat indices of the test pixels."""
        return self.indices("test")

    def subset(self, keep: np.ndarray) -> "Split":
        """The same split restricted to the pixels ``keep`` selects (boolean mask or indices)."""
        return dataclasses.replace(self, side=np.asarray(self.side)[keep], unit=np.asarray(self.unit)[keep])

    def at(self, rows: np.ndarray, cols: np.ndarray) -> "Split":
        """Pixel-level split of the pixels (rows, cols) from a raster-level one; pixel-level passes through."""
        side = np.asarray(self.side)
        if side.ndim == 1:
            if side.size != np.asarray(rows).size:
                raise LabelsError(f"The split covers {side.size} pixels but {np.asarray(rows).size} are labelled. "
                                  "Build the split from the same labels.")
            return self
        return dataclasses.replace(self, side=side[rows, cols], unit=np.asarray(self.unit)[rows, cols])

    def to_raster(self, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> "Split":
        """(H, W) rasters of side and unit (UNUSED / -1 off the labelled pixels), e.g. for ``train_model``."""
        side = np.full(shape, UNUSED, np.int8)
        unit = np.full(shape, -1, np.int64)
        side[rows, cols] = self.side
        unit[rows, cols] = self.unit
        return dataclasses.replace(self, side=side, unit=unit)

    def support(self, y: np.ndarray) -> dict[str, dict[int, int]]:
        """Labelled pixels of each class on each side (and in the unused buffer)."""
        y = np.asarray(y)
        out = {}
        for name in ("train", "val", "test", "unused"):
            ids, counts = np.unique(y[self.indices(name)], return_counts=True)
            out[name] = {int(i): int(c) for i, c in zip(ids, counts)}
        return out

    def describe(self, y: np.ndarray) -> dict:
        """What a training report states about the split: kind, block size, buffer, fold, support per side."""
        unit = np.asarray(self.unit).ravel()
        return {
            "kind": self.kind, "block_size": int(self.block_size), "buffer_px": int(self.buffer),
            "seed": int(self.seed), "fold": self.fold, "n_folds": self.n_folds,
            "cut_polygons": [int(p) for p in self.cut_polygons],
            "units": {name: int(np.unique(unit[self.indices(name)]).size) for name in ("train", "val", "test")},
            "support": {name: {str(c): n for c, n in counts.items()} for name, counts in self.support(y).items()},
        }


def spatial_units(rows, cols, block_size: int = 16, polygons: Optional[np.ndarray] = None,
                  max_polygon_px: Optional[int] = None) -> tuple[np.ndarray, list[int]]:
    """Unit id of every labelled pixel: its field polygon (``polygons`` > 0), else its square block.

    A polygon with more than ``max_polygon_px`` labelled pixels (default 4 blocks' worth) cannot go whole
    to one side without taking most of a class with it: it is cut into its pieces in each block, and
    the buffer then separates those pieces. Returns ``(unit, cut_polygon_ids)``.
    """
    if block_size < 1:
        raise LabelsError(f"block_size must be at least 1 pixel, got {block_size}. Choose a positive block size.")
    blocks = block_ids(rows, cols, block_size)
    if polygons is None:
        return blocks, []
    polygons = np.asarray(polygons, np.int64)
    limit = 4 * block_size * block_size if max_polygon_px is None else int(max_polygon_px)
    ids, counts = np.unique(polygons[polygons > 0], return_counts=True)
    cut = ids[counts > limit]
    n_blocks = int(blocks.max()) + 1 if blocks.size else 1
    # Disjoint id ranges: whole polygon p -> p; piece of a cut polygon -> offset + p * n_blocks + block;
    # pixel outside any polygon (e.g. labels from a raster) -> its block, after both.
    top = int(polygons.max(initial=0)) + 1
    unit = polygons.copy()
    is_cut = np.isin(polygons, cut)
    unit[is_cut] = top + polygons[is_cut] * n_blocks + blocks[is_cut]
    outside = polygons <= 0
    unit[outside] = top + top * n_blocks + blocks[outside]
    return unit, [int(p) for p in cut]


def assign_units(unit: np.ndarray, y: np.ndarray, shares: Sequence[float], seed: int = 0,
                 must_have: Optional[int] = None, preference: Optional[Sequence[int]] = None) -> np.ndarray:
    """Part (0..len(shares)-1) of every pixel, whole units to one part, each class spread by ``shares``.

    Greedy, rarest class first: each still unassigned unit holding the class (in seeded random order) goes
    to the part furthest below its share of that class; part ``must_have`` first while it has none of the
    class (training must see every class), ties broken in ``preference`` order.
    """
    y = np.asarray(y)
    shares = np.asarray(shares, np.float64)
    unique_units, unit_index = np.unique(unit, return_inverse=True)
    classes, class_index = np.unique(y, return_inverse=True)
    counts = np.zeros((unique_units.size, classes.size), np.int64)
    np.add.at(counts, (unit_index, class_index), 1)
    order = np.arange(shares.size) if preference is None else np.asarray(preference)
    tie = np.empty(shares.size)
    tie[order] = np.arange(shares.size) * 1e-9  # earlier in the preference order wins a tie
    rng = np.random.default_rng(seed)
    assignment = np.full(unique_units.size, -1, np.int64)
    part_class = np.zeros((shares.size, classes.size), np.int64)
    for c in np.argsort(counts.sum(axis=0), kind="stable"):
        candidates = np.flatnonzero((counts[:, c] > 0) & (assignment < 0))
        candidates = candidates[rng.permutation(candidates.size)]
        total_c = counts[:, c].sum()
        for u in candidates:
            if must_have is not None and part_class[must_have, c] == 0:
                choice = must_have
            else:
                deficit = shares * total_c - part_class[:, c] - tie
                deficit[shares == 0] = -np.inf
                choice = int(np.argmax(deficit))
            assignment[u] = choice
            part_class[choice] += counts[u]
    return assignment[unit_index]


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary dilation by a (2r+1)^2 square (Chebyshev distance <= r), separable, numpy only."""
    if radius <= 0:
        return mask.copy()
    out = mask.copy()
    for axis in (0, 1):
        grown = out.copy()
        n = out.shape[axis]
        for shift in range(1, min(radius, n - 1) + 1):
            lead = [slice(None)] * 2
            lag = [slice(None)] * 2
            lead[axis], lag[axis] = slice(shift, None), slice(None, n - shift)
            grown[tuple(lead)] |= out[tuple(lag)]
            grown[tuple(lag)] |= out[tuple(lead)]
        out = grown
    return out


def apply_buffer(rows, cols, side: np.ndarray, buffer: int) -> np.ndarray:
    """Sides with the buffer applied: a pixel within ``buffer`` px (Chebyshev) of a pixel of a side that
    ranks above its own (test > val > train) becomes ``UNUSED``, so no two sides come closer than that."""
    rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
    side = np.asarray(side, np.int8).copy()
    if buffer <= 0 or side.size == 0:
        return side
    r0, c0 = rows.min(), cols.min()
    shape = (int(rows.max() - r0) + 1, int(cols.max() - c0) + 1)
    rr, cc = rows - r0, cols - c0
    above = np.zeros(shape, bool)
    for code in (TEST, VAL):  # pixels of `code` and the sides above it, dilated, push lower sides out
        mine = side == code
        above[rr[mine], cc[mine]] = True
        near = _dilate(above, buffer)[rr, cc]
        side[near & (side != UNUSED) & (side < code)] = UNUSED
    return side


def _check_fractions(val_fraction: float, test_fraction: float) -> None:
    if not (0 <= val_fraction < 1 and 0 <= test_fraction < 1 and val_fraction + test_fraction < 1):
        raise LabelsError(
            f"val_fraction ({val_fraction}) and test_fraction ({test_fraction}) must be in [0, 1) and leave "
            "room for training. Lower them."
        )


def grouped_split(rows, cols, y, polygons: Optional[np.ndarray] = None, block_size: int = 16,
                  buffer: int = 3, val_fraction: float = 0.2, test_fraction: float = 0.2, seed: int = 0,
                  max_polygon_px: Optional[int] = None) -> Split:
    """Default train / val / test split of training: whole units (polygons, else blocks) to one side,
    every class in training first, then in test, then in validation when it has enough units; sides
    separated by ``buffer`` px."""
    y = np.asarray(y)
    _check_fractions(val_fraction, test_fraction)
    if y.size == 0:
        raise LabelsError("There are no labelled pixels to split. Check that the labels overlap the stack.")
    unit, cut = spatial_units(rows, cols, block_size, polygons, max_polygon_px)
    part = assign_units(unit, y, [1.0 - val_fraction - test_fraction, val_fraction, test_fraction], seed,
                        must_have=0, preference=[0, 2, 1])
    side = apply_buffer(rows, cols, np.array([TRAIN, VAL, TEST], np.int8)[part], buffer)
    return Split(side=side, unit=unit, kind="polygons+blocks" if polygons is not None else "blocks",
                 block_size=int(block_size), buffer=int(buffer), seed=int(seed), cut_polygons=cut)


def fold_parts(rows, cols, y, polygons: Optional[np.ndarray] = None, n_folds: int = 5, block_size: int = 16,
               seed: int = 0, max_polygon_px: Optional[int] = None) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Fold (0..n_folds-1) of every labelled pixel for cross-validation, whole units per fold, each class
    spread over the folds. Returns ``(fold_of_pixel, unit, cut_polygon_ids)``."""
    if n_folds < 2:
        raise LabelsError(f"Cross-validation needs at least 2 folds, got {n_folds}.")
    y = np.asarray(y)
    unit, cut = spatial_units(rows, cols, block_size, polygons, max_polygon_px)
    return assign_units(unit, y, np.full(n_folds, 1.0 / n_folds), seed), unit, cut


def cross_validation_splits(rows, cols, y, polygons: Optional[np.ndarray] = None, n_folds: int = 5,
                            block_size: int = 16, buffer: int = 3, seed: int = 0, val_fraction: float = 0.2,
                            max_polygon_px: Optional[int] = None) -> list[Split]:
    """K buffered spatial folds: fold f is the test side; ``val_fraction`` of the other folds' units (drawn
    as in ``grouped_split``, every class in training first) is the validation side (early stopping), the
    rest training; sides separated by ``buffer`` px. ``val_fraction=0``: no validation side."""
    if not 0 <= val_fraction < 1:
        raise LabelsError(f"val_fraction must be in [0, 1), got {val_fraction}. Lower it.")
    y = np.asarray(y)
    folds, unit, cut = fold_parts(rows, cols, y, polygons, n_folds, block_size, seed, max_polygon_px)
    splits = []
    for f in range(n_folds):
        side = np.full(folds.size, TRAIN, np.int8)
        side[folds == f] = TEST
        rest = folds != f
        if val_fraction > 0 and rest.any():
            part = assign_units(unit[rest], y[rest], [1.0 - val_fraction, val_fraction], seed=seed * 1000 + f + 1,
                                must_have=0)
            side[np.flatnonzero(rest)[part == 1]] = VAL
        splits.append(Split(side=apply_buffer(rows, cols, side, buffer), unit=unit,
                            kind="polygons+blocks" if polygons is not None else "blocks",
                            block_size=int(block_size), buffer=int(buffer), seed=int(seed), fold=f,
                            n_folds=int(n_folds), cut_polygons=cut))
    return splits
