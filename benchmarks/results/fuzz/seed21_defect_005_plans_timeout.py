# ruff: noqa  (a generated reproduction: long literals, star imports)
# fuzz defect 5: fuzzer plans, outcome timeout, Timeout at 
# 'over 5.0 s'
import sys; sys.path.insert(0, 'benchmarks')
from fuzz import *  # the oracles
import linlayout as ll
from linlayout import *

src = ll.from_triton('#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>', [2048, 1024])
dst = ll.from_triton('#ttg.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [0, 1]}>', [2048, 1024])
p = plan_conversion(src, dst, 'sm_90', elem_bits=32)
(p.wavefronts,)
