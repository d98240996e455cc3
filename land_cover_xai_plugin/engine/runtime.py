"""Process-level set-up for torch work: lazy import, device choice, threads, allocator.

Kept apart so the plugin can load (and explain what is missing) without torch.
"""
from __future__ import annotations

import ctypes
import os
import sys

from .errors import DependencyError

_MALLOC_TUNED = False
# The devices every front end offers ("auto": a GPU when torch sees one, else the CPU).
DEVICES = ("auto", "cpu", "cuda")


def tune_allocator() -> None:
    """Keep large activation buffers mapped between batches.

    glibc's default malloc returns big buffers to the kernel after each call, so every forward
    pass page-faults its activations anew: measured 2-6x slower on this project's CPUs. Raising the
    mmap / trim thresholds at run time does what GLIBC_TUNABLES does at process start (useful inside
    QGIS, whose environment is already set). No-op off glibc.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
        libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)
        libc.mallopt(m_trim_threshold, 2**31 - 1)
        libc.mallopt(m_top_pad, 256 * 1024 * 1024)
    except (OSError, AttributeError):
        pass
    _MALLOC_TUNED = True


def import_torch():
    """Import torch, or raise a DependencyError that carries the install command."""
    try:
        import torch
    except ImportError as exc:
        from .dependencies import missing_message

        raise DependencyError(missing_message(["torch"])) from exc
    tune_allocator()
    return torch


def import_captum():
    """The ``captum.attr`` module; raises DependencyError with install instructions when it is missing."""
    try:
        import captum
        import captum.attr
    except ImportError as exc:
        from .dependencies import missing_message

        raise DependencyError(missing_message(["captum"])) from exc
    return captum.attr


def cuda_available() -> bool:
    """Whether torch is installed and sees a CUDA GPU."""
    try:
        torch = import_torch()
    except DependencyError:
        return False
    return bool(torch.cuda.is_available())


def available_devices() -> list[str]:
    """The concrete devices usable here: cpu, and cuda when torch sees a GPU."""
    return ["cpu", "cuda"] if cuda_available() else ["cpu"]


def resolve_device(device: str = "auto") -> str:
    """'auto' -> 'cuda' when a GPU is usable, else 'cpu'. Asking for cuda without one is an error."""
    device = (device or "auto").lower()
    if device == "auto":
        return "cuda" if cuda_available() else "cpu"
    if device.startswith("cuda"):
        if not cuda_available():
            raise DependencyError(
                "CUDA was requested but torch sees no usable GPU. Choose the CPU device, or install a "
                "CUDA build of torch that matches your driver (see the README, 'Installing torch')."
            )
        return device
    if device != "cpu":
        raise DependencyError(f"Unknown device '{device}': use {', '.join(DEVICES)}.")
    return device


def set_threads(n: int | None = None) -> None:
    """Use all physical cores for intra-op work by default (torch's own default may be lower in QGIS)."""
    torch = import_torch()
    n = n or max(1, os.cpu_count() or 1)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
