"""Types of the edge-list loops (seeding/_edges.pyx). Private: use seeding.io and seeding.Graph."""

import numpy as np
import numpy.typing as npt

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

def arc_order(u: I32, v: I32, n: int) -> I64: ...
def format_arcs(u: I64, v: I64) -> bytes: ...
def parse_edge_lines(data: bytes, max_lines: int) -> tuple[F64, npt.NDArray[np.int8], I64, int]: ...
