"""Types of the coverage kernels (seeding/_cover.pyx). Private: use seeding.relax."""

import numpy as np
import numpy.typing as npt

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]

def scatter_rows(members: I32, offsets: I64, row_values: F64, out: F64) -> None: ...
def gather_rows(members: I32, offsets: I64, node_values: F64, n_threads: int = 1) -> F64: ...
def row_hashes(members: I32, offsets: I64) -> tuple[U64, U64]: ...
def row_subgradient(
    members: I32, offsets: I64, weights: F64, lam: F64, x: F64, g: F64, n_threads: int = 1
) -> float: ...
def row_step(members: I32, offsets: I64, weights: F64, lam: F64, g: F64, step: float, scores: F64) -> float: ...
