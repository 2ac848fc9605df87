# ruff: noqa  (a generated reproduction: long literals, star imports)
# fuzz defect 6: fuzzer views, outcome other, ValueError at views/text.py:335
# 'max() arg is an empty sequence'
import sys; sys.path.insert(0, 'benchmarks')
from fuzz import *  # the oracles
import linlayout as ll
from linlayout import *

import linlayout.views as v
v.layout_view(ll.from_triton('#ttg.swizzled_shared<{vec = 2, perPhase = 8, maxPhase = 4, order = [0, 1]}>', [4, 8]), max_rows=0)
