"""Running a compiled run graph: the executor, the stage cache, content hashing and ``ftcore prepare``.

This package imports no machine-learning library at module level; stages import what they need
when they run.
"""
