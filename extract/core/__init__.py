"""The pure core: frozen types, intervals, numbers, patterns, and the rows they become.

Nothing here reads a file other than `patterns/` or imports another part of the package;
every other stage builds on these types.
"""
