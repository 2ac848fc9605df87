# ruff: noqa  (a generated reproduction: long literals, star imports)
# fuzz defect 0: fuzzer cli, outcome wrong, Wrong at internal error: linlayout: internal error: MemoryError: Unable to allocate 4.00 
# 'internal error: linlayout: internal error: MemoryError: Unable to allocate 4.00 GiB for an array with shape (4, 32, 8388608) and data type int32 (set LINLAYOUT_DEBUG=1 for the traceback)\n'
import sys; sys.path.insert(0, 'benchmarks')
from fuzz import *  # the oracles
import linlayout as ll
from linlayout import *

check_cli(['plan', '#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>', '#ttg.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [0, 1]}>', '--s', '32768x32768', '--ta', 'sm_90'])
