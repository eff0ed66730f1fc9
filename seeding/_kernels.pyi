"""Types of the compiled kernels (seeding/_kernels.pyx). Private: use the Python wrappers."""

import numpy as np
import numpy.typing as npt

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]

def ic_live_worlds(run_seed: int, batch: int, arc: int, width: int) -> int: ...
def live_worlds(run_seed: int, batch: int, slot: int, lo: int, hi: int) -> int: ...
def simulate(
    indptr: I64, indices: I32, lo: U64, width: U64, by_target: bool, seeds: I32, node_weights: F64,
    run_seed: int, first_world: int, n_worlds: int, n_threads: int,
) -> F64: ...
def sample_rr_sets(
    rr_nodes: U64, rr_pool: U64, in_indices: I32, in_thr: U64, lt: bool, root_cdf: F64,
    run_seed: int, first_set: int, count: int, n_threads: int,
) -> tuple[I32, I64]: ...
def count_rr_hits(
    rr_nodes: U64, rr_pool: U64, in_indices: I32, in_thr: U64, lt: bool, root_cdf: F64, seed_mask: U8,
    run_seed: int, first_set: int, count: int, n_threads: int,
) -> int: ...
def max_cover(nodes: I32, offsets: I64, n: int, k: int, allowed: U8, n_threads: int = 1) -> tuple[I32, I64, int]: ...

class Coverage:
    covered: float
    def __init__(self, nodes: I32, offsets: I64, weights: F64, n: int) -> None: ...
    @property
    def gains(self) -> F64: ...
    def lower(self, v: int) -> tuple[I32, F64]: ...
    def add(self, v: int) -> float: ...
