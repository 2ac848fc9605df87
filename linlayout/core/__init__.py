"""The core value class, split by concern behind :class:`linlayout.LinearLayout`:

- :mod:`.base`: the stored value (slots, ``_new``), limits and shared argument checks;
- :mod:`.value`: construction, queries, evaluation, equality and printing;
- :mod:`.algebra`: ``*``, composition, inversion, division;
- :mod:`.shape`: sublayouts, reshaping, transposing, concatenation, resizing, renaming;
- :mod:`.fast`: the speed machinery, with the target each trick serves.

Nothing here imports from the upper layers (hardware, plan, views, triton, cute) at module level.
"""
