"""Headless Chromium for the browser tests (Tests/*/Browser): the driver, waits with deadlines, the page's errors.

A script imports it after putting this folder on its path:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "TestSupport", "Browser"))
    import headless_chromium
"""
import argparse
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def arguments(*names):
    """The command line of a browser test: every option in `names` ("--url", ...) is required and takes a value."""
    parser = argparse.ArgumentParser()
    for name in names:
        parser.add_argument(name, required=True)
    return parser.parse_args()


def start(window_size):
    """Debian's chromium through its chromedriver, headless, English, at `window_size` ("1280,2000"), keeping the
    browser's console log."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--window-size={window_size}", "--lang=en-GB", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait_for(what, condition, timeout=20.0):
    """Polls `condition` every 0.1 s until it returns something true, which it returns; fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:  # the element may not be there yet
            last_error = error
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} (last error: {last_error})")


def expect_no_errors(driver):
    """The console holds no error (a content security policy violation would be one)."""
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors
    print("ok: no browser errors", flush=True)
