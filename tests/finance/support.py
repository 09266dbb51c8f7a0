"""Constants the ImpactAttribution tests share (a support module, not conftest: `from conftest import`
resolves to whichever conftest pytest imported first)."""

MINIMUM = 1_000 * 10**6  # the attribution's minimum claim, in settlement base units
