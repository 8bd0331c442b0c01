#!/usr/bin/python3
"""Headless Chromium against the collector's live page (run by WebPageBrowserTests).

The collector reads a Fluvius meter that keeps sending, two E450 meters (one with a hostile id) and had one
corrupt Fluvius telegram; its MQTT sink has no broker. Checks that the page shows the decoded values, updates
live, shows the dropped frame and the sink that is down, keeps the hostile id as text, draws the chart, and logs
no error (a content security policy violation would be one). Saves a screenshot. Exit status 0 when all hold.
"""
import os
import sys

from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "TestSupport", "Browser"))
import headless_chromium  # noqa: E402
from headless_chromium import wait_for  # noqa: E402




CARD = """
for (const card of document.querySelectorAll('article.card')) {
  if (card.getAttribute('data-meter') !== arguments[0]) continue;
  const values = {};
  for (const tr of card.querySelectorAll(':scope > table.values tr[data-obis]')) {  // the labelled values
    values[tr.getAttribute('data-obis')] = [tr.children[0].textContent, tr.children[1].textContent];
  }
  const chart = window.Chart ? Chart.getChart(card.querySelector('canvas')) : null;
  return { title: card.querySelector('h2').textContent, timestamp: card.getAttribute('data-timestamp'), values,
           points: chart ? chart.data.datasets[0].data.length : 0 };
}
return null;
"""

ROWS = """
const out = {};
for (const tr of document.querySelectorAll(arguments[0] + ' tbody tr')) {
  out[tr.getAttribute(arguments[1])] = Array.from(tr.children, (td) => td.textContent);
}
return out;
"""


def card(driver, meter):
    """The card of `meter` as one consistent snapshot (the page replaces rows with every reading)."""
    return driver.execute_script(CARD, meter)


def value(driver, meter, obis):
    snapshot = card(driver, meter)
    return snapshot["values"].get(obis, [None, None])[1] if snapshot else None


def labels(driver, meter):
    return [label for label, _ in card(driver, meter)["values"].values()]


def main():
    arguments = headless_chromium.arguments("--url", "--fluvius", "--e450", "--hostile", "--screenshot")

    driver = headless_chromium.start("1280,2000")
    try:
        driver.get(arguments.url)
        assert driver.title == "Smart meter", driver.title

        # Decoded values of both meters.
        wait_for("E450 values", lambda: value(driver, arguments.e450, "1-0:32.7.0") == "236 V")
        assert value(driver, arguments.e450, "1-0:1.7.0") == "28 W", card(driver, arguments.e450)
        assert value(driver, arguments.e450, "1-0:31.7.0") == "0.09 A", card(driver, arguments.e450)
        assert {"Voltage L1", "Power import", "Current L1"} <= set(labels(driver, arguments.e450)), card(driver, arguments.e450)
        print("ok: E450 values", flush=True)

        wait_for("Fluvius values", lambda: (value(driver, arguments.fluvius, "1-0:1.8.1") or "").endswith("Wh"))
        fluvius_labels = set(labels(driver, arguments.fluvius))
        assert {"Current average demand", "Peak this month", "Energy import T1", "Voltage L1"} <= fluvius_labels, fluvius_labels
        print("ok: Fluvius values", flush=True)

        # Live: the meter keeps sending (P+ = telegram number in W); the card follows without a reload.
        first = card(driver, arguments.fluvius)
        wait_for("a newer Fluvius reading", lambda: card(driver, arguments.fluvius)["timestamp"] != first["timestamp"], timeout=10)
        wait_for("a new power value", lambda: value(driver, arguments.fluvius, "1-0:1.7.0") != first["values"]["1-0:1.7.0"][1], timeout=10)
        state = driver.find_element(By.ID, "connection").text
        assert state == "live", state
        print("ok: live update", flush=True)

        # The chart has the streamed points.
        wait_for("chart points", lambda: card(driver, arguments.fluvius)["points"] >= 3, timeout=10)
        print("ok: chart", flush=True)

        # The dropped frame and the sink that is down.
        dropped = wait_for("the drop in the readers table", lambda: next(
            (cells[6] for reader, cells in driver.execute_script(ROWS, "#readers", "data-reader").items()
             if reader == "reader0" and "checksum" in cells[6]), None))
        assert "1 bad P1 telegram checksum" in dropped, dropped
        sink = wait_for("the MQTT sink's state", lambda: driver.execute_script(ROWS, "#sinks", "data-sink").get("sink1", [""])[-1])
        assert sink.startswith("down:") and "Connection refused" in sink, sink
        print("ok: dropped frame and sink down", flush=True)

        # The hostile id is text: no element made from it, no script ran.
        hostile = wait_for("the hostile meter's card", lambda: card(driver, arguments.hostile))
        assert hostile["title"] == arguments.hostile, hostile["title"]
        assert driver.find_elements(By.TAG_NAME, "img") == []
        assert driver.title == "Smart meter"
        print("ok: hostile id shown as text", flush=True)

        driver.save_screenshot(arguments.screenshot)
        headless_chromium.expect_no_errors(driver)
    finally:
        driver.quit()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as failure:
        print(f"FAILED: {failure}", flush=True)
        sys.exit(1)
