"""Brownie 1.22's per-test isolation, without its two fixed costs.

Every test ends with `chain.revert()` (fn_isolation), and Brownie's revert does two slow things
that have nothing to do with the chain:

1. `state._notify_registry` runs a full `gc.collect()`, to drop dead weak references among its
   few registered objects (Accounts, TxHistory, contract containers). A full collection walks
   every object the session holds: LightGBM models, DataFrames, ABIs, thousands of receipts.
   It cost ~0.3 s per test on a small module and grows as the suite runs.
2. `Rpc.snapshot/revert/sleep/mine` pass through an `@internal` guard that calls
   `inspect.stack()` only to warn users who call them directly; that reads the source file of
   every frame on pytest's ~40-deep stack, ~0.1 s per call, three calls per test.

`freeze_survivors()` moves everything alive before a test into the permanent generation, so the
revert's collection scans only what that test made; `thaw()` at the end of each module hands it
all back, and the module's own `chain.reset()` then collects the module's garbage in one pass.
"""

import gc
import importlib


def skip_internal_call_guard():
    """Call the Rpc methods behind Brownie's `@internal` warning wrapper directly."""
    # `brownie.network.rpc` the attribute is an Rpc instance; the module is only reachable by name.
    rpc_class = importlib.import_module("brownie.network.rpc").Rpc
    for name, attribute in list(vars(rpc_class).items()):
        if getattr(attribute, "__qualname__", "") == "internal.<locals>.wrapped":
            (wrapped_method,) = (cell.cell_contents for cell in attribute.__closure__)
            setattr(rpc_class, name, wrapped_method)


def freeze_survivors():
    """Exclude every object alive now from later full collections."""
    gc.freeze()


def thaw():
    """Return the frozen objects to the collector (the next full collection sees them)."""
    gc.unfreeze()
