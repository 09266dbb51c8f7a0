"""`greenfi participant` and `greenfi network`: each command's effect on the registry, read back from
the contract, and a refusal of each kind that changes nothing (docs/operator-cli.md)."""

import pytest
from tests.support.cli import greenfi, ok, record, refused  # noqa: F401 (greenfi: a fixture)
from hypothesis import given, settings
from hypothesis import strategies as st

from greenfi.cli.hints import explain
from greenfi.domain.participants import Kind
from greenfi.domain.units import format_amount, format_date


@pytest.fixture(scope="module")
def records(registry, tmp_path_factory):
    return record(tmp_path_factory.mktemp("deployments"), registry)


def stored(registry, account):
    return tuple(registry.participant(account))


def test_register_update_kyc_freeze_unfreeze_remove(greenfi, registry, regulator, outsider):
    out = ok(greenfi(regulator, "participant", "register", outsider.address, "--kind", "investor",
                     "--jurisdiction", "DE", "--kyc-expiry", "2040-01-01"))
    assert out == f"registered {outsider.address} as investor in DE, KYC valid until 2040-01-01"
    assert stored(registry, outsider) == (Kind.INVESTOR, "0x4445", 2_208_988_800, False)
    assert ok(greenfi(None, "participant", "show", outsider.address)) == (
        f"{outsider.address}  investor  DE  KYC until 2040-01-01  not frozen  may hold assets: yes")
    assert f"{outsider.address}  investor" in ok(greenfi(None, "participant", "list"))

    ok(greenfi(regulator, "participant", "update", outsider.address, "--kind", "enterprise", "--jurisdiction", "CN"))
    ok(greenfi(regulator, "participant", "kyc", outsider.address, "--expiry", "2041-01-01"))
    assert stored(registry, outsider) == (Kind.ENTERPRISE, "0x434e", 2_240_611_200, False)
    assert ok(greenfi(regulator, "participant", "freeze", outsider.address, "--reason", "court order 7")) == (
        f"froze {outsider.address}")
    assert registry.participant(outsider)[3] is True
    assert "may hold assets: no, frozen" in ok(greenfi(None, "participant", "show", outsider.address))
    ok(greenfi(regulator, "participant", "unfreeze", outsider.address))
    assert registry.participant(outsider)[3] is False
    ok(greenfi(regulator, "participant", "remove", outsider.address))
    assert registry.kindOf(outsider) == 0
    assert outsider.address not in ok(greenfi(None, "participant", "list"))


def test_refusals_change_nothing(greenfi, registry, regulator, verifier, enterprise, outsider):
    before = stored(registry, enterprise)
    line = refused(greenfi(regulator, "participant", "register", enterprise.address, "--kind", "bank",
                           "--jurisdiction", "CN", "--kyc-expiry", "2040-01-01"))
    assert f"register would revert: AlreadyRegistered({enterprise.address.lower()})" in line
    line = refused(greenfi(verifier, "participant", "freeze", enterprise.address))
    assert "AccessControlUnauthorizedAccount" in line and "REGULATOR_ROLE" in line
    assert "send it --from an account that holds REGULATOR_ROLE" in line
    line = refused(greenfi(regulator, "participant", "kyc", enterprise.address, "--expiry", "2001-09-09"))
    assert "KycExpiryNotInFuture(999993600); KYC expiry 2001-09-09 is not in the future" in line
    line = refused(greenfi(regulator, "participant", "unfreeze", enterprise.address))
    assert f"FrozenStateUnchanged({enterprise.address.lower()}, False)" in line
    assert stored(registry, enterprise) == before

    line = refused(greenfi(None, "participant", "show", outsider.address))
    assert f"greenfi participant register {outsider.address} --kind KIND" in line
    assert refused(greenfi(regulator, "participant", "freeze", outsider.address)).count("participant register") == 1
    assert greenfi(regulator, "participant", "register", outsider.address, "--kind", "none", "--jurisdiction", "CN",
                   "--kyc-expiry", "2040-01-01").exit_code == 2  # `none` is no kind to register as
    assert registry.kindOf(outsider) == 0


def test_pause_unpause_status(greenfi, registry, regulator, verifier):
    assert ok(greenfi(None, "network", "status")).startswith("chain ")
    line = refused(greenfi(verifier, "network", "pause"))
    assert "REGULATOR_ROLE" in line and registry.paused() is False
    ok(greenfi(regulator, "network", "pause"))
    assert registry.paused() is True and ": PAUSED;" in ok(greenfi(None, "network", "status"))
    assert "EnforcedPause()" in refused(greenfi(regulator, "network", "pause"))
    ok(greenfi(regulator, "network", "unpause"))
    assert registry.paused() is False and ": running;" in ok(greenfi(None, "network", "status"))


def test_first_project_submit_names_the_register_command(greenfi, records, projects_for_cli, outsider, regulator):
    line = refused(greenfi(outsider, "project", "submit", "--methodology", "VM0042", "--methodology-version", "v1",
                           "--jurisdiction", "CN", "--location", "31.2N,121.5E"))
    assert f"ComplianceRefused({outsider.address.lower()}, NotRegistered)" in line
    assert (f"the regulator registers it with `greenfi participant register {outsider.address.lower()} "
            f"--kind project-developer --jurisdiction CC --kyc-expiry YYYY-MM-DD`") in line
    assert projects_for_cli.projectCount() == 0


@pytest.fixture(scope="module")
def projects_for_cli(registry, admin, regulator, records):
    from tests.support.deploy import deploy_projects

    projects = deploy_projects(registry, admin, regulator)
    record(records, projects)
    return projects


# ---------------------------------------------------------------- the hints, as properties

AMOUNTS = st.integers(min_value=0, max_value=2**128)


@settings(max_examples=50, deadline=None)
@given(balance=AMOUNTS, needed=AMOUNTS)
def test_token_amounts_in_errors_are_shown_in_tdcny(balance, needed):
    account = "0x" + "ab" * 20
    line = explain(f"transfer would revert: ERC20InsufficientBalance({account}, {balance}, {needed})")
    assert line.startswith(f"transfer would revert: ERC20InsufficientBalance({account}, {balance}, {needed}); ")
    assert f"balance {format_amount(balance)} tdCNY, needed {format_amount(needed)} tdCNY" in line


@settings(max_examples=50, deadline=None)
@given(expiry=st.integers(min_value=0, max_value=2**37))  # up to the year 6325
def test_dates_in_errors_are_shown_as_dates(expiry):
    line = explain(f"register would revert: KycExpiryNotInFuture({expiry})")
    assert line.endswith(f"; KYC expiry {format_date(expiry)} is not in the future")


@settings(max_examples=30, deadline=None)
@given(text=st.text(max_size=60))
def test_explain_never_fails_and_keeps_the_message(text):
    assert explain(text).startswith(text)
    assert explain(f"x would revert: NotRegulator({text})").startswith(f"x would revert: NotRegulator({text})")


def test_restrict_a_jurisdiction(greenfi, registry, regulator, verifier, investor):
    assert "REGULATOR_ROLE" in refused(greenfi(verifier, "network", "restrict", "DE"))
    assert "InvalidJurisdiction(0x6465)" in refused(greenfi(regulator, "network", "restrict", "de"))
    assert not registry.isJurisdictionRestricted("0x4445")
    assert ok(greenfi(regulator, "network", "restrict", "DE")) == (
        "jurisdiction DE restricted: its participants may not hold or move assets")
    assert registry.isJurisdictionRestricted("0x4445")
    assert "may hold assets: no, jurisdiction-restricted" in ok(greenfi(None, "participant", "show", investor.address))
    assert ok(greenfi(regulator, "network", "restrict", "DE", "--lift")) == "restriction on DE lifted"
    assert not registry.isJurisdictionRestricted("0x4445")
