"""Spatially blocked train / validation / test split.

Neighbouring pixels are nearly copies of each other (same field, same parcel): a random pixel split
leaks them across the splits and reports optimistic accuracies. Pixels are grouped into square blocks
of ``block_size`` px and whole blocks go to one split. Blocks are assigned greedily, rarest class
first, so each class reaches the training split whenever it has a block, and the held-out splits get
their share of each class when it has enough blocks.
"""
from __future__ import annotations

from dataclasses import dataclass

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
        return set(np.unique(self.block_of_pixel[getattr(self, name)]).tolist())

    def class_counts(self, y: np.ndarray) -> dict[str, dict[int, int]]:
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
