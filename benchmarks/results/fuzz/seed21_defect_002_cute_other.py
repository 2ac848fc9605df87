# ruff: noqa  (a generated reproduction: long literals, star imports)
# fuzz defect 2: fuzzer cute, outcome other, ValueError at cute.py:200
# 'Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit'
import sys; sys.path.insert(0, 'benchmarks')
from fuzz import *  # the oracles
import linlayout as ll
from linlayout import *

L = from_cute((2,), 9 ** 5000, swizzle=())
check_layout(L)
to_cute(L)
