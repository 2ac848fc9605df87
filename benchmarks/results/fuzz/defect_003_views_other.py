# ruff: noqa  (a generated reproduction: long literals, star imports)
# fuzz defect 3: fuzzer views, outcome other, ValueError at views/text.py:335
# 'max() arg is an empty sequence'
import sys; sys.path.insert(0, 'benchmarks')
from fuzz import *  # the oracles
import linlayout as ll
from linlayout import *

import linlayout.views as v
v.layout_view(ll.from_triton('#ttg.nvmma_shared<{swizzlingByteWidth = 0, transposed = false, elementBitWidth = 64, CGALayout = [[0, 1], [1, 0]]}>', [1, 1]), max_rows=0)
