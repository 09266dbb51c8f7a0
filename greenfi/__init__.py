"""greenfi: Python tooling shared by the CLI, scripts, oracles and models of the green-finance network."""

__version__ = "0.1.0"
