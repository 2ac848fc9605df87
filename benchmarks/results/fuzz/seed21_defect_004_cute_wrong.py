# ruff: noqa  (a generated reproduction: long literals, star imports)
# fuzz defect 4: fuzzer cute, outcome wrong, Wrong at a float size was accepted
# 'a float size was accepted'
import sys; sys.path.insert(0, 'benchmarks')
from fuzz import *  # the oracles
import linlayout as ll
from linlayout import *

L = from_cute(8, 1, out_shape=[4, 2.7])
check_layout(L)
to_cute(L)
raise Wrong('a float size was accepted')
