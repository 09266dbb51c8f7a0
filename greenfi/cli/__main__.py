"""`python -m greenfi.cli`: the same entry point as the `greenfi` script."""

from greenfi.cli import main

main()
