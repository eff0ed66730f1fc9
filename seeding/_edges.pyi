"""Types of the edge-list loops (seeding/_edges.pyx). Private: use seeding.io and seeding.Graph."""

import numpy as np
import numpy.typing as npt

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
U16 = npt.NDArray[np.uint16]
U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]
Ids = npt.NDArray[np.int32] | npt.NDArray[np.int64]

DONE: int
FULL: int
WIDE: int
FATAL: int
S_WIDTH: int
S_HEAD_WIDTH: int
S_HEAD_LINE: int
S_BODY_LINE: int
S_SRC: int
S_DST: int
S_P: int
S_FATAL: int
S_MISMATCH: int
S_MISMATCH_WIDTH: int
S_BAD_ID: int
S_BAD_P: int
S_NARROW: int
STATE_SIZE: int

def parse_chunk(
    data: bytes | bytearray, start: int, end: int, first_line: int, u: Ids | F64, v: Ids | F64, p: F64, out: int,
    cap: int, state: I64, head: F64, n_threads: int = 1, min_piece: int = ...,
) -> tuple[int, int, int, int]: ...
def id_range(u: Ids, v: Ids) -> tuple[int, int]: ...
def mark_ids(ids: Ids, lo: int, present: U8) -> None: ...
def relabel(ids: Ids, lo: int, index: I32, out: I32) -> None: ...
def count_arcs(u: I32, v: I32, degree: I64) -> int: ...
def count_targets(indices: I32, degree: I64) -> None: ...
def bucket_arcs(
    u: I32, v: I32, p: F64, w: F64, bucket: U16, shift: int, bounds: I32, cursor: I64, U: U16, V: I32, P: F64,
    W: F64,
) -> None: ...
def sort_buckets(
    starts: I64, bounds: I32, indptr: I64, n_bits: int, U: U16, V: I32, P: F64, W: F64, first: int, last: int,
    su: U16, sv: I32, sp: F64, sw: F64, count: I64, cursor: I64, n_threads: int = 1, sub_arcs: int = ...,
) -> None: ...
def duplicate_groups(indptr: I64, V: I32) -> tuple[I64, I64]: ...
def drop_duplicates(indptr: I64, V: I32, P: F64, W: F64, starts: I64, sizes: I64) -> int: ...
def bucket_reverse(
    indptr: I64, indices: I32, bucket: U16, shift: int, bounds: I32, cursor: I64, T: U16, in_indices: I32,
    in_arcs: I64, first: int, last: int,
) -> None: ...
def sort_reverse(
    starts: I64, bounds: I32, in_indptr: I64, T: U16, in_indices: I32, in_arcs: I64, first: int, last: int,
    su: I32, se: I64, cursor: I64, n_threads: int = 1,
) -> None: ...
def reverse_direct(indptr: I64, indices: I32, in_indptr: I64, in_indices: I32, in_arcs: I64) -> None: ...
def rr_kinds(indices: I32, p: F64, deg: I64, table_max: int) -> tuple[U64, I32, F64, I64, F64]: ...
def coin_thresholds(in_indptr: I64, in_arcs: I64, width: U64, nodes: I64) -> U64: ...
def table_guesses(thr: U64, first: I64, longest: I64, bits: int, guess: U16) -> None: ...
def format_arcs(u: I64, v: I64) -> bytes: ...
