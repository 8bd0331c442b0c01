#!/usr/bin/python3
"""Headless Chromium walks a first setup in the web configurator (run by WebConfiguratorBrowserTests).

From an empty configuration: log in, detect the pty meter, add the reader section detect proposes, type a wrong
key and see validate's message at the key, fix it, add an MQTT sink with a password, save, restart through the
stand-in systemctl. Checks that the password fields never hold the secret, and that the page logs no error (a
content security policy violation would be one). Saves screenshots. Exit status 0 when all hold.
"""
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "TestSupport", "Browser"))
import headless_chromium  # noqa: E402


def wait_for(what, condition, timeout=30.0):
    return headless_chromium.wait_for(what, condition, timeout)


def text_of(driver, element_id):
    elements = driver.find_elements(By.ID, element_id)
    return elements[0].text if elements else ""


def problems_at(driver, key):
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, f'span.problem[data-key="{key}"]')]


def fill(driver, element_id, value):
    field = driver.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(value)


def main():
    arguments = headless_chromium.arguments("--url", "--password", "--port", "--wrong-key", "--key", "--broker-port",
                                            "--mqtt-user", "--mqtt-password", "--screenshots")

    def shot(name):
        driver.save_screenshot(os.path.join(arguments.screenshots, f"web-configurator-{name}.png"))

    driver = headless_chromium.start("1100,1400")
    try:
        driver.get(arguments.url)
        wait_for("the login page", lambda: driver.find_element(By.ID, "password"))
        shot("login")
        fill(driver, "password", arguments.password)
        driver.find_element(By.ID, "login-button").click()
        wait_for("the configuration page", lambda: driver.find_element(By.ID, "detect-button"))
        summary = text_of(driver, "summary")
        assert "would not start" in summary, summary
        print("ok: logged in", flush=True)

        # Detect the meter on the port.
        fill(driver, "detect-port", arguments.port)
        Select(driver.find_element(By.ID, "detect-type")).select_by_value("lge450")
        fill(driver, "detect-seconds", "3")
        driver.find_element(By.ID, "detect-button").click()
        wait_for("detect's verdict", lambda: "Found: lge450" in text_of(driver, "tool-output"), timeout=60)
        shot("detect")
        driver.find_element(By.ID, "use-reader-button").click()
        wait_for("the reader section", lambda: driver.find_element(By.ID, "f-reader0-port"))
        port = driver.find_element(By.ID, "f-reader0-port").get_attribute("value")
        assert port == arguments.port, port
        print("ok: detect proposed the reader", flush=True)

        # A wrong key: validate's message at the key; then the right one.
        fill(driver, "f-reader0-key", arguments.wrong_key)
        driver.find_element(By.ID, "apply").click()
        wait_for("the key's problem", lambda: any("must be 32 hex characters" in p for p in problems_at(driver, "reader0.key")))
        shot("validation")
        assert driver.find_element(By.ID, "f-reader0-key").get_attribute("value") == "", "a secret sent to the browser"
        fill(driver, "f-reader0-key", arguments.key)
        driver.find_element(By.ID, "apply").click()
        wait_for("the key accepted", lambda: not problems_at(driver, "reader0.key")
                 and "unchanged unless" in driver.find_element(By.ID, "f-reader0-key").get_attribute("placeholder"))
        print("ok: validation message for a wrong key, then fixed", flush=True)

        # An MQTT sink with a password.
        Select(driver.find_element(By.ID, "newsink")).select_by_value("mqtt")
        driver.find_element(By.ID, "add-sink").click()
        wait_for("the MQTT sink's fields", lambda: driver.find_element(By.ID, "f-sink0-host"))
        assert any("missing" in p for p in problems_at(driver, "sink0.host")), problems_at(driver, "sink0.host")
        fill(driver, "f-sink0-host", "127.0.0.1")
        fill(driver, "f-sink0-port", arguments.broker_port)
        fill(driver, "f-sink0-username", arguments.mqtt_user)
        fill(driver, "f-sink0-password", arguments.mqtt_password)
        driver.find_element(By.ID, "save").click()
        wait_for("saved", lambda: text_of(driver, "notice").startswith("saved"))
        summary = text_of(driver, "summary")
        assert summary.startswith("valid"), summary
        assert arguments.mqtt_password not in driver.page_source and arguments.key not in driver.page_source
        shot("saved")
        print("ok: MQTT sink added and saved", flush=True)

        driver.find_element(By.ID, "test-sinks-button").click()
        wait_for("test-sinks verdict", lambda: "[sink0] mqtt: OK: connected to mqtt://127.0.0.1:" in text_of(driver, "tool-output"))
        print("ok: test-sinks", flush=True)

        driver.find_element(By.ID, "restart-button").click()
        wait_for("restarted", lambda: "restarted smartmeter-datacollector" in text_of(driver, "tool-output"))
        assert "active (running)" in text_of(driver, "tool-output"), text_of(driver, "tool-output")
        shot("restart")
        print("ok: restarted", flush=True)

        headless_chromium.expect_no_errors(driver)
    except Exception:
        try:
            shot("failure")
            print(driver.page_source[:4000], file=sys.stderr)
        except Exception:
            pass
        raise
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
