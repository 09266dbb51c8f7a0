"""Headless Chromium (Debian's chromium + chromium-driver) driven by Selenium: the browser test's
driver and its injected test wallet, and `python -m greenfi.dashboard.screenshot` which writes
docs/dashboard.png, and with the test wallet connected docs/dashboard-portfolio.png (an investor) and
docs/dashboard-console.png (the regulator), from a chain populated by the demo (greenfi.dashboard.sample)."""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

from greenfi.errors import ToolchainError
from greenfi.paths import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WIDTH = 1280
SCREENSHOT = REPO_ROOT / "docs" / "dashboard.png"


@contextlib.contextmanager
def browser(width: int = WIDTH, height: int = 1000) -> Iterator:
    """A headless Chromium WebDriver, quit on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        raise ToolchainError("headless Chromium needs Debian's chromium and chromium-driver packages "
                             "(see debian-packages.txt)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def open_dashboard(driver, url: str, timeout: float = 30) -> str:
    """Load the dashboard and wait until it has read the chain; returns body[data-ready] ("true")."""
    driver.get(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = driver.execute_script("return document.body && document.body.dataset.ready")
        if state:
            return state
        time.sleep(0.1)
    return "timeout"


# A test wallet (EIP-1193 `window.ethereum`) injected into the page: it answers with one of the local
# node's unlocked accounts and sends everything straight to the node (not through the dashboard's
# read-only proxy), as a browser wallet would. For the browser tests and the screenshots only.
INJECTED_WALLET = """
window.ethereum = {
  isTestWallet: true,
  async request({ method, params }) {
    if (method === "eth_requestAccounts" || method === "eth_accounts") return [%(account)r];
    const reply = await fetch(%(rpc)r, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: params || [] }) });
    const body = await reply.json();
    if (body.error) throw Object.assign(new Error(body.error.message), body.error);
    return body.result;
  },
  on() {}, removeListener() {},
};
"""


def connect_wallet(driver, url: str, account: str, rpc_url: str, timeout: float = 30) -> None:
    """Load the dashboard with the test wallet injected for `account`, connect it, and wait for the
    portfolio and the console to be shown."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {
        "source": INJECTED_WALLET % {"account": account, "rpc": rpc_url}})
    state = open_dashboard(driver, url, timeout)
    if state != "true":
        raise ToolchainError(f"the dashboard did not load (state {state}): {driver.get_log('browser')}")
    driver.find_element(By.ID, "wallet-button").click()
    WebDriverWait(driver, timeout).until(lambda d: d.find_element(By.ID, "console").is_displayed())


def capture_element(driver, element_id: str, path: Path) -> Path:
    """A screenshot of one section of the page at `path`."""
    from selenium.webdriver.common.by import By

    driver.set_window_size(WIDTH, driver.execute_script("return document.documentElement.scrollHeight"))
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.find_element(By.ID, element_id).screenshot(str(path))
    return path


def capture(driver, path: Path) -> Path:
    """A screenshot of the whole page (the window grown to the page's height) at `path`."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, height)
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    return path


def main() -> None:
    from greenfi.dashboard import sample
    from greenfi.dashboard.server import Background

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SCREENSHOT, help="PNG to write (default docs/dashboard.png)")
    parser.add_argument("--views", type=Path, default=SCREENSHOT.parent,
                        help="folder for dashboard-portfolio.png and dashboard-console.png (default docs/)")
    args = parser.parse_args()
    with sample.populated_chain(log=print) as ctx, Background(sample.rpc_url(ctx), "development", sample.records_dir(ctx)) as url:
        with browser() as driver:
            state = open_dashboard(driver, url)
            if state != "true":
                raise SystemExit(f"the dashboard did not load (state {state}): {driver.get_log('browser')}")
            print(f"wrote {capture(driver, args.out)}")
        for account, section in ((ctx.cast["investor_a"], "portfolio"), (ctx.cast["regulator"], "console")):
            with browser(height=1600) as driver:
                connect_wallet(driver, url, account, sample.rpc_url(ctx))
                print(f"wrote {capture_element(driver, section, args.views / f'dashboard-{section}.png')}")


if __name__ == "__main__":
    main()
