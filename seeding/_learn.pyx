# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Hot loops of `seeding.learn`: joining an action log with the graph, and EM passes.

Private module; ``seeding.learn`` validates every array once (dtypes, contiguity,
ranges) and calls these functions.

An action log is given as *episodes*, one per item: ``ep_node[ep_ptr[e]:ep_ptr[e + 1]]``
are the distinct nodes that performed item ``e`` and ``ep_time`` their times. Within
an episode, node ``u``'s action is an *attempt* on arc ``a = (u, v)`` unless ``v``
acted no later than ``u``; the attempt is a *candidate* success when ``v`` acted
``lag = t_v - t_u`` later with ``0 < lag <= window``, and a failure otherwise (``v``
did not act, or acted too late). The candidates of one activation of ``v`` form a
*group*: at least one of them succeeded.

Nodes of an episode are marked with the episode's number (``stamp``), so no
per-node array is ever reset: memory is O(n + m + log), one pass per call.
"""

from libc.math cimport INFINITY, expm1, log, log1p
from libc.stdint cimport int32_t, int64_t, uint8_t

import numpy as np


def latest_gaps(const int64_t[::1] ep_ptr, const int32_t[::1] ep_node, const double[::1] ep_time,
                const int64_t[::1] in_indptr, const int32_t[::1] in_indices, int64_t n):
    """For every action that follows an in-neighbour's action on the same item, the gap to the latest one.

    These gaps are the shortest delays that could explain each activation; the
    learner's default window is a high quantile of them.
    """
    cdef int64_t n_ep = ep_ptr.shape[0] - 1, e, i, j, count = 0
    cdef int32_t v, u
    cdef double tv, best
    stamp_arr = np.full(n, -1, dtype=np.int64)
    tval_arr = np.zeros(n, dtype=np.float64)
    out_arr = np.empty(ep_node.shape[0], dtype=np.float64)
    cdef int64_t[::1] stamp = stamp_arr
    cdef double[::1] tval = tval_arr
    cdef double[::1] out = out_arr
    with nogil:
        for e in range(n_ep):
            for i in range(ep_ptr[e], ep_ptr[e + 1]):
                stamp[ep_node[i]] = e
                tval[ep_node[i]] = ep_time[i]
            for i in range(ep_ptr[e], ep_ptr[e + 1]):
                v = ep_node[i]
                tv = ep_time[i]
                best = -INFINITY
                for j in range(in_indptr[v], in_indptr[v + 1]):
                    u = in_indices[j]
                    if stamp[u] == e and tval[u] < tv and tval[u] > best:
                        best = tval[u]
                if best > -INFINITY:
                    out[count] = tv - best
                    count += 1
    return out_arr[:count]


def scan_pairs(const int64_t[::1] ep_ptr, const int32_t[::1] ep_node, const double[::1] ep_time,
               const int64_t[::1] in_indptr, const int32_t[::1] in_indices, const int64_t[::1] in_arcs,
               int64_t n, int64_t m, double window):
    """Per-arc counts and the candidate groups of a log.

    Returns
    -------
    blocked : int64 (m,)
        Episodes where both ends acted and ``v`` acted no later than ``u`` (no attempt).
    both : int64 (m,)
        Episodes where both ends acted.
    positive : int64 (m,)
        Episodes where ``v`` acted within ``window`` after ``u`` (candidate successes).
    group_ptr : int64 (G + 1,), cand_arc : int64 (C,)
        Candidate arcs of each group (an activation with at least one candidate).
    group_node : int32 (G,)
        The node activated in each group.
    """
    cdef int64_t n_ep = ep_ptr.shape[0] - 1, e, i, j, a, n_groups = 0, n_cand = 0, g = 0, c = 0, size
    cdef int32_t v, u
    cdef double tv, lag
    cdef int pass_
    stamp_arr = np.full(n, -1, dtype=np.int64)
    tval_arr = np.zeros(n, dtype=np.float64)
    blocked_arr = np.zeros(m, dtype=np.int64)
    both_arr = np.zeros(m, dtype=np.int64)
    positive_arr = np.zeros(m, dtype=np.int64)
    cdef int64_t[::1] stamp = stamp_arr
    cdef double[::1] tval = tval_arr
    cdef int64_t[::1] blocked = blocked_arr
    cdef int64_t[::1] both = both_arr
    cdef int64_t[::1] positive = positive_arr
    cdef int64_t[::1] group_ptr
    cdef int64_t[::1] cand_arc
    cdef int32_t[::1] group_node
    # Pass 0 counts (and fills the per-arc counts); pass 1 writes the groups.
    for pass_ in range(2):
        if pass_ == 1:
            group_ptr_arr = np.zeros(n_groups + 1, dtype=np.int64)
            cand_arc_arr = np.empty(n_cand, dtype=np.int64)
            group_node_arr = np.empty(n_groups, dtype=np.int32)
            group_ptr = group_ptr_arr
            cand_arc = cand_arc_arr
            group_node = group_node_arr
            stamp_arr.fill(-1)
        with nogil:
            for e in range(n_ep):
                for i in range(ep_ptr[e], ep_ptr[e + 1]):
                    stamp[ep_node[i]] = e
                    tval[ep_node[i]] = ep_time[i]
                for i in range(ep_ptr[e], ep_ptr[e + 1]):
                    v = ep_node[i]
                    tv = ep_time[i]
                    size = 0
                    for j in range(in_indptr[v], in_indptr[v + 1]):
                        u = in_indices[j]
                        if stamp[u] != e:
                            continue
                        a = in_arcs[j]
                        lag = tv - tval[u]
                        if pass_ == 0:
                            both[a] += 1
                            if lag <= 0:
                                blocked[a] += 1
                            elif lag <= window:
                                positive[a] += 1
                                size += 1
                        elif lag > 0 and lag <= window:
                            cand_arc[c] = a
                            c += 1
                            size += 1
                    if size:
                        if pass_ == 0:
                            n_groups += 1
                            n_cand += size
                        else:
                            group_node[g] = v
                            g += 1
                            group_ptr[g] = c
    return blocked_arr, both_arr, positive_arr, group_ptr_arr, cand_arc_arr, group_node_arr


def em_pass(const double[::1] k, const int64_t[::1] group_ptr, const int64_t[::1] cand_arc, double[::1] succ):
    """One E-step of Saito et al. (2008): ``succ[a] = sum over groups of k[a] / P(group)``.

    ``P(group) = 1 - prod(1 - k[a])`` over the group's candidate arcs is the chance
    that the activation is explained. ``succ`` is overwritten. Returns the sum of
    ``log P`` over the groups (the success part of the log-likelihood).
    """
    cdef int64_t n_groups = group_ptr.shape[0] - 1, g, i, size
    cdef double s, P, total = 0.0, x
    cdef bint certain
    with nogil:
        for i in range(succ.shape[0]):
            succ[i] = 0.0
        for g in range(n_groups):
            s = 0.0
            certain = False
            for i in range(group_ptr[g], group_ptr[g + 1]):
                x = k[cand_arc[i]]
                if x >= 1.0:
                    certain = True
                else:
                    s += log1p(-x)
            P = 1.0 if certain else -expm1(s)
            if P > 0.0:
                total += log(P)
                for i in range(group_ptr[g], group_ptr[g + 1]):
                    succ[cand_arc[i]] += k[cand_arc[i]] / P
            else:  # every candidate at 0: the limit of k / P is an equal share
                total += -INFINITY
                size = group_ptr[g + 1] - group_ptr[g]
                for i in range(group_ptr[g], group_ptr[g + 1]):
                    succ[cand_arc[i]] += 1.0 / size
    return total


def shares(const double[::1] k, const int64_t[::1] group_ptr, const int64_t[::1] cand_arc, double[::1] out):
    """Credit of each arc: ``sum over groups of k[a] / sum(k over the group)`` (equal shares when all are 0).

    With ``k`` all ones this is the partial credit of Goyal et al. (2010). ``out``
    is overwritten.
    """
    cdef int64_t n_groups = group_ptr.shape[0] - 1, g, i, size
    cdef double s
    with nogil:
        for i in range(out.shape[0]):
            out[i] = 0.0
        for g in range(n_groups):
            s = 0.0
            for i in range(group_ptr[g], group_ptr[g + 1]):
                s += k[cand_arc[i]]
            size = group_ptr[g + 1] - group_ptr[g]
            for i in range(group_ptr[g], group_ptr[g + 1]):
                out[cand_arc[i]] += k[cand_arc[i]] / s if s > 0.0 else 1.0 / size


def exposures(const double[::1] p, const int64_t[::1] ep_ptr, const int32_t[::1] ep_node,
              const double[::1] ep_time, const int64_t[::1] indptr, const int32_t[::1] indices,
              int64_t n, double window):
    """Every (item, node) pair where the node was exposed: an in-neighbour acted and the node had not yet.

    ``p`` must lie in (0, 1). Returns ``(score, label, loglik)``: the predicted
    chance that the exposure succeeds, ``1 - prod(1 - p)`` over the attempts;
    whether it did (the node acted within ``window`` of an attempt); and the log-
    likelihood of all exposures (the same likelihood EM maximises).
    """
    cdef int64_t n_ep = ep_ptr.shape[0] - 1, e, i, j, t, count = 0, pos = 0
    cdef int32_t u, v
    cdef double tu, tv, lag, lq, total = 0.0
    cdef int pass_
    stamp_arr = np.full(n, -1, dtype=np.int64)
    seen_arr = np.full(n, -1, dtype=np.int64)
    tval_arr = np.zeros(n, dtype=np.float64)
    cand_arr = np.zeros(n, dtype=np.float64)
    fail_arr = np.zeros(n, dtype=np.float64)
    lab_arr = np.zeros(n, dtype=np.uint8)
    touched_arr = np.empty(n, dtype=np.int32)
    cdef int64_t[::1] stamp = stamp_arr
    cdef int64_t[::1] seen = seen_arr
    cdef double[::1] tval = tval_arr
    cdef double[::1] cand = cand_arr
    cdef double[::1] fail = fail_arr
    cdef uint8_t[::1] lab = lab_arr
    cdef int32_t[::1] touched = touched_arr
    cdef double[::1] score
    cdef uint8_t[::1] label
    for pass_ in range(2):
        if pass_ == 1:
            score_arr = np.empty(count, dtype=np.float64)
            label_arr = np.empty(count, dtype=np.uint8)
            score = score_arr
            label = label_arr
            stamp_arr.fill(-1)
            seen_arr.fill(-1)
        with nogil:
            for e in range(n_ep):
                for i in range(ep_ptr[e], ep_ptr[e + 1]):
                    stamp[ep_node[i]] = e
                    tval[ep_node[i]] = ep_time[i]
                t = 0
                for i in range(ep_ptr[e], ep_ptr[e + 1]):
                    u = ep_node[i]
                    tu = ep_time[i]
                    for j in range(indptr[u], indptr[u + 1]):
                        v = indices[j]
                        tv = tval[v] if stamp[v] == e else INFINITY
                        lag = tv - tu
                        if lag <= 0:
                            continue
                        if seen[v] != e:
                            seen[v] = e
                            touched[t] = v
                            t += 1
                            cand[v] = 0.0
                            fail[v] = 0.0
                            lab[v] = 0
                        if pass_ == 0:
                            continue
                        lq = log1p(-p[j])
                        if lag <= window:
                            cand[v] += lq
                            lab[v] = 1
                        else:
                            fail[v] += lq
                if pass_ == 0:
                    count += t
                    continue
                for i in range(t):
                    v = touched[i]
                    score[pos] = -expm1(cand[v] + fail[v])
                    label[pos] = lab[v]
                    pos += 1
                    if lab[v]:
                        total += log(-expm1(cand[v])) + fail[v]
                    else:
                        total += fail[v]
    return score_arr, label_arr, total
