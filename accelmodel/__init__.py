"""accelmodel: analytical performance, energy and accuracy model of transformer
inference on Gemmini-like systolic-array accelerators."""

from .hardware import Accelerator, load_accelerator, with_updates
from .report import Report
from .simulation import simulate
from .workload.config import TransformerConfig, load_workload, list_presets

__version__ = "0.1.0"

__all__ = ["Accelerator", "load_accelerator", "with_updates", "Report", "simulate", "TransformerConfig",
           "load_workload", "list_presets", "__version__"]
