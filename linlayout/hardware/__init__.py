"""Hardware layout generators: pure functions and description classes that build
Triton-exact :class:`~linlayout.LinearLayout` values for every NVIDIA and AMD family."""
