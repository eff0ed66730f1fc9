"""Types of the compiled learning kernels (seeding/_learn.pyx). Private: use seeding.learn."""

import numpy as np
import numpy.typing as npt

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]

def latest_gaps(ep_ptr: I64, ep_node: I32, ep_time: F64, in_indptr: I64, in_indices: I32, n: int) -> F64: ...
def scan_pairs(
    ep_ptr: I64, ep_node: I32, ep_time: F64, in_indptr: I64, in_indices: I32, in_arcs: I64,
    n: int, m: int, window: float,
) -> tuple[I64, I64, I64, I64, I64, I32]: ...
def em_pass(k: F64, group_ptr: I64, cand_arc: I64, succ: F64) -> float: ...
def shares(k: F64, group_ptr: I64, cand_arc: I64, out: F64) -> None: ...
def exposures(
    p: F64, ep_ptr: I64, ep_node: I32, ep_time: F64, indptr: I64, indices: I32, n: int, window: float,
) -> tuple[F64, U8, float]: ...
