"""Plain helpers for the carbon tests: report tuples, claims, constants."""

from brownie import web3

TONNE = 10**6  # grams CO2e
MWH = 10**6  # Wh
DAY = 24 * 3600
VER, GEC = 0, 1  # IProjectRegistry.CreditClass
NONE, SUBMITTED, VALIDATED, ACTIVE, SUSPENDED, CLOSED = range(6)  # ProjectStatus
PERIOD0 = 1_735_689_600  # 2025-01-01T00:00:00Z


def h(text):
    """bytes32 hash of a label, as used for off-chain documents and names."""
    return web3.keccak(text=text)


def report(project_id, start, end, verifier, grams=0, wh=0, label="report"):
    """An IMonitoringReports.IssuableReport tuple."""
    return (project_id, start, end, wh, grams, h(f"{label}-{project_id}-{start}"), verifier)


def claim(beneficiary, name="ACME Ltd", reason=1, code=b"CN", start=PERIOD0, end=PERIOD0 + 365 * DAY):
    """An ICarbonCredits.Claim tuple."""
    return (beneficiary, h(name), reason, code, start, end)


def supply(credits, batch_id):
    """supplyOf as a dict of ints."""
    keys = ("issued", "circulating", "escrowed", "retired", "cancelled", "buffered")
    return dict(zip(keys, (int(v) for v in credits.supplyOf(batch_id))))


def b32(value):
    """A bytes32 from Brownie (HexString) or web3 (HexBytes) as plain bytes."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return bytes.fromhex(str(value).removeprefix("0x"))
