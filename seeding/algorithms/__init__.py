"""Seed-selection methods, one module per family; :mod:`.registry` names them."""

from .budgeted import BUDGET_METHODS, select_seeds
from .greedy import celf, celfpp, greedy
from .heuristics import degree, degree_discount, pagerank
from .registry import METHODS, maximize_influence
from .ris import imm, opim_c

__all__ = [
    "METHODS", "BUDGET_METHODS", "maximize_influence", "select_seeds", "celf", "celfpp", "degree", "degree_discount",
    "greedy", "imm", "opim_c", "pagerank",
]
