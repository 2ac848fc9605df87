# ruff: noqa  (a generated reproduction: long literals, star imports)
# fuzz defect 1: fuzzer cute, outcome other, TypeError at cute.py:384
# "'int' object is not iterable"
import sys; sys.path.insert(0, 'benchmarks')
from fuzz import *  # the oracles
import linlayout as ll
from linlayout import *

L = from_cute(4, 0, out_shape=5)
check_layout(L)
to_cute(L)
