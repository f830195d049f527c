#!/usr/bin/env python3
"""The HTML report as a user meets it: opened from file:// in headless
Chromium with the network off. Called by tests/it/views.rs.

usage: html_browser.py REPORT.html EXPECT.json ROOT [SCREENSHOT.png]

EXPECT.json holds the counts of the JSON report of the same scan (conflict
sites, crashes with timelines, deadlocks, race sites). ROOT is where the
report's input paths are relative to (the crate root): the order check reads
the records' times from the inputs themselves.

Checks: no console error; no resource fetched (everything inline); every
finding has its SVG timeline; the items on each lane are in the order of
their records' times, at offsets equal to the differences of those times;
sorting a table by clicking a header (numbers, then text); the zoom buttons
widen the bars; an evidence link's tooltip is the text of its line.
Exit status 0 when all hold; otherwise the failures on stderr and 1.
"""

import json
import os
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1800",
]

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def record_ns(root, cache, input_path, line):
    """The time of record `line` of an input: its ts_ns field."""
    if input_path not in cache:
        with open(os.path.join(root, input_path), encoding="utf-8") as f:
            cache[input_path] = f.read().split("\n")
    rec = json.loads(cache[input_path][line - 1])
    return int(rec["ts_ns"])


def main():
    report, expect_path, root = sys.argv[1], sys.argv[2], sys.argv[3]
    shot = sys.argv[4] if len(sys.argv) > 4 else None
    expect = json.load(open(expect_path))
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    profile = tempfile.mkdtemp(prefix="racetrail-chromium-")
    for f in FLAGS + ["--user-data-dir=" + profile]:
        opts.add_argument(f)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    d = webdriver.Chrome(service=service, options=opts)
    try:
        # The network off before the page loads: nothing may be fetched.
        d.execute_cdp_cmd("Network.enable", {})
        d.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
        )
        d.get("file://" + os.path.abspath(report))
        check(d.title.startswith("racetrail"), f"title {d.title!r}")

        errors = [e for e in d.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        check(not errors, f"console errors: {errors}")
        resources = d.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
        )
        check(resources == [], f"resources fetched: {resources}")

        # Every finding has its SVG.
        for k in range(1, expect["conflict_sites"] + 1):
            n = d.execute_script(
                "return document.querySelectorAll('#site-' + arguments[0] + ' svg.tl rect').length", k
            )
            check(n >= 2, f"site {k}: {n} bars in its SVG")
        for k in expect["crash_timelines"]:
            n = d.execute_script(
                "return document.querySelectorAll('#crash-' + arguments[0] + ' svg.tl line.mark').length", k
            )
            check(n == 1, f"crash {k}: {n} crash marks")
        for k in range(1, expect["deadlocks"] + 1):
            n = d.execute_script(
                "return document.querySelectorAll('#deadlock-' + arguments[0] + ' svg.tl rect.wt').length", k
            )
            check(n >= 2, f"deadlock {k}: {n} waits drawn")
        for k in range(1, expect["race_sites"] + 1):
            n = d.execute_script(
                "return document.querySelectorAll('#race-' + arguments[0] + ' svg').length", k
            )
            check(n == 1, f"race {k}: {n} SVGs")
        total = d.execute_script("return document.querySelectorAll('svg.tl').length")
        want = expect["conflict_sites"] + len(expect["crash_timelines"]) + expect["deadlocks"] + expect["race_sites"]
        check(total == want, f"{total} timelines, expected {want}")

        # Lanes follow the records: per lane, bars by position are bars by
        # record time, and their offsets are the records' time differences.
        lanes = d.execute_script(
            """
            const out = [];
            document.querySelectorAll('svg.tl[data-f]').forEach(svg => {
              const labels = [...svg.querySelectorAll('text.lane')].map(t => +t.getAttribute('y'));
              const lanes = labels.map(() => []);
              svg.querySelectorAll('rect[data-src]').forEach(r => {
                const y = +r.getAttribute('y');
                let k = 0;
                labels.forEach((ly, i) => { if (y + 10 >= ly - 12) k = i; });
                lanes[k].push({s: r.dataset.s, src: r.dataset.src, x: +r.getAttribute('x'), cls: r.getAttribute('class')});
              });
              out.push({id: svg.id, lanes: lanes});
            });
            return out;
            """
        )
        inputs = expect["inputs"]
        cache = {}
        checked = 0
        for svg in lanes:
            for lane in svg["lanes"]:
                items = []
                for it in lane:
                    i, line = (int(v) for v in it["src"].split(":"))
                    items.append((record_ns(root, cache, inputs[i], line), int(it["s"]), it["x"], it))
                if not items:
                    continue
                t0, s0 = items[0][0], items[0][1]
                for t, s, x, it in items:
                    check(s - s0 == t - t0, f"{svg['id']}: {it} at offset {s - s0}, records say {t - t0}")
                    checked += 1
                by_x = sorted(items, key=lambda v: (v[2], v[0]))
                by_t = sorted(items, key=lambda v: (v[0], v[2]))
                check([v[0] for v in by_x] == [v[0] for v in by_t], f"{svg['id']}: lane order differs from record times")
        check(checked >= 10, f"only {checked} bars checked against the records")

        # Sorting: numbers by data-v, then text.
        def column(table, i):
            return d.execute_script(
                "return [...document.querySelectorAll('#' + arguments[0] + ' tbody tr')].map(r => r.cells[arguments[1]].getAttribute('data-v') ?? r.cells[arguments[1]].textContent)",
                table, i,
            )

        def click(table, i):
            d.execute_script("document.querySelectorAll('#' + arguments[0] + ' thead th')[arguments[1]].click()", table, i)

        if expect["conflict_sites"] >= 2:
            click("sites", 5)  # pairs
            asc = [float(v) for v in column("sites", 5)]
            check(asc == sorted(asc), f"pairs ascending: {asc}")
            click("sites", 5)
            desc = [float(v) for v in column("sites", 5)]
            check(desc == sorted(desc, reverse=True), f"pairs descending: {desc}")
            check(asc != desc or len(set(asc)) == 1, "sorting changed nothing")
            click("sites", 2)  # map, as text
            maps = column("sites", 2)
            check(maps == sorted(maps, key=str.casefold) or maps == sorted(maps), f"maps ascending: {maps}")
            aria = d.execute_script("return document.querySelectorAll('#sites thead th')[2].getAttribute('aria-sort')")
            check(aria == "ascending", f"aria-sort {aria}")

        # Zoom in on the first timeline: its bars get wider.
        before = d.execute_script("return +document.querySelector('#site-1 rect.f').getAttribute('width')")
        d.execute_script("document.querySelector('#site-1 .zoom button').click()")
        after = d.execute_script("return +document.querySelector('#site-1 rect.f').getAttribute('width')")
        check(after > before * 1.5, f"zoom: width {before} -> {after}")
        d.execute_script("document.querySelectorAll('#site-1 .zoom button')[2].click()")
        back = d.execute_script("return +document.querySelector('#site-1 rect.f').getAttribute('width')")
        check(abs(back - before) < 0.5, f"reset: width {back}, was {before}")

        # An evidence link names its line; hovering shows the line's text.
        title = d.execute_script(
            """
            const a = document.querySelector('a.src');
            a.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
            return [a.getAttribute('href'), a.title];
            """
        )
        row = d.execute_script(
            "return document.getElementById(arguments[0].slice(1)).cells[1].textContent", title[0]
        )
        check(title[1] == row and len(row) > 20, f"tooltip {title[1]!r} vs line {row!r}")

        errors = [e for e in d.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        check(not errors, f"console errors after interaction: {errors}")
        if shot:
            d.execute_script("window.scrollTo(0, 0)")
            d.set_window_size(1280, 1500)
            d.save_screenshot(shot)
    finally:
        d.quit()
    if failures:
        for f in failures:
            print("FAIL:", f, file=sys.stderr)
        return 1
    print(f"ok: {total} timelines, {checked} bars checked against their records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
