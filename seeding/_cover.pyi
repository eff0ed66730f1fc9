"""Types of the coverage kernels (seeding/_cover.pyx). Private: use seeding.relax."""

import numpy as np
import numpy.typing as npt

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]

def scatter_rows(members: I32, offsets: I64, row_values: F64, out: F64) -> None: ...
def rows_hit(members: I32, offsets: I64, mask: U8) -> U8: ...
def top_k(scores: F64, count: int) -> tuple[float, I64]: ...
def row_hashes(members: I32, offsets: I64) -> tuple[U64, U64]: ...
def kept_rows(
    nodes: I32, offsets: I64, var_of: I32, dropped: U8, n_vars: int, n_threads: int = 1
) -> tuple[F64, I32, I64, U64, U64]: ...
def merge_equal_rows(
    members: I32, offsets: I64, weights: F64, h1: U64, h2: U64
) -> tuple[I32, I64, F64]: ...
def transpose_rows(members: I32, offsets: I64, n_vars: int, n_threads: int = 1) -> tuple[I64, I32]: ...
def best_subset(
    members: I32,
    offsets: I64,
    row_w: F64,
    single_w: F64,
    costs: npt.NDArray[np.float64],
    capacity: F64,
    group_of: I32,
    quota_min: I64,
    quota_max: I64,
    max_work: int,
) -> tuple[float, I64] | None: ...

class SparseSteps:
    def __init__(self, members: I32, offsets: I64, var_offsets: I64, var_rows: I32, w: F64, lam: F64) -> None: ...
    def multipliers(self, out: F64) -> None: ...
    def subgradient(self, chosen: I64, x: F64) -> float: ...
    def step(self, size: float, scores: F64) -> float: ...
