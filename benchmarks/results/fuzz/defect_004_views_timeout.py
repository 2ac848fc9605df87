# ruff: noqa  (a generated reproduction: long literals, star imports)
# fuzz defect 4: fuzzer views, outcome timeout, Timeout at 
# 'over 5.0 s'
import sys; sys.path.insert(0, 'benchmarks')
from fuzz import *  # the oracles
import linlayout as ll
from linlayout import *

import linlayout.views as v
v.tensor_view(ll.from_triton('#ttg.swizzled_shared<{vec = 4, perPhase = 2, maxPhase = 4, order = [1, 2, 3, 0], CGALayout = [[0, 0, 0, 0], [1, 0, 0, 0]]}>', [8, 16, 128, 128]), max_rows=0)
