"""Hardware specs (what the machine is). Imports nothing from the rest of accelmodel
except errors."""

from .nonlinear import (
    CordicUnit,
    CpuOffload,
    CrossRoadSoftmax,
    ExactUnit,
    IBertUnit,
    LutUnit,
    NonlinearAssignment,
    VectorUnit,
    UNIT_KINDS,
)
from .sparsity import SparsitySupport
from .spec import (
    Accelerator,
    ArraySpec,
    CpuCycles,
    DataTypes,
    DramSpec,
    EnergyTable,
    HostCpu,
    L2Spec,
    load_accelerator,
    with_updates,
)

__all__ = [
    "Accelerator", "ArraySpec", "CpuCycles", "DataTypes", "DramSpec", "EnergyTable", "HostCpu",
    "L2Spec", "load_accelerator", "with_updates", "CordicUnit", "CpuOffload", "CrossRoadSoftmax",
    "ExactUnit", "IBertUnit", "LutUnit", "NonlinearAssignment", "VectorUnit", "UNIT_KINDS", "SparsitySupport",
]
