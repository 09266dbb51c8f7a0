"""Domain logic of the suite: participants, bonds, vouchers, projects, MRV, units and the event replay
the reports and the demo read.

Layer: above greenfi.chain; below oracles' daemons, the CLI, the demo and the dashboard
(docs/architecture.md).
"""
