#!/usr/bin/env python3
"""Counterpart in a real browser: headless Chromium driven by chromedriver.

Starts the server built by `cargo test` with the demo directory on a fresh
SQLite database, then, as people would: finds a counterpart, searches with a
typo, signs in from a finder answer and comes back to it, edits an authority
with an error, submits an update; checks every page visited with axe-core
(no serious or critical violation) and at 390 px wide (no sideways scroll).

    python3 tests/browser/run.py [path/to/counterpart] [path/to/axe.min.js]

Needs Debian's chromium and chromium-driver, selenium (PyPI) and axe-core
(npm); `.ci/run` installs them.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TARGET, "debug", "counterpart")
AXE = sys.argv[2] if len(sys.argv) > 2 else os.path.join(TARGET, "browser", "node_modules", "axe-core", "axe.min.js")

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server():
    data = tempfile.mkdtemp(prefix="counterpart-browser-")
    port = free_port()
    log = open(os.path.join(data, "server.log"), "w+")
    env = dict(os.environ, COUNTERPART_DATA_DIR=data,
               COUNTERPART_SERVER__BIND=f"127.0.0.1:{port}", COUNTERPART_LOG__LEVEL="warn")
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen([BIN, "serve", "--demo"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/readyz", timeout=1)
            break
        except Exception:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    else:
        raise SystemExit("the server did not become ready")
    log.seek(0)
    text = log.read()
    passwords = dict(re.findall(r"^\s+\S+\s+(\S+@\S+)\s+password (\S+)", text, re.M))
    if not passwords:
        raise SystemExit("no demo accounts in the server's output:\n" + text)
    return proc, base, passwords


def browser(width):
    options = webdriver.ChromeOptions()
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},900"]:
        options.add_argument(arg)
    if width < 600:
        options.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {"width": width, "height": 900, "pixelRatio": 1}})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(2)
    return driver


AXE_SOURCE = None


def accessible(d, what):
    global AXE_SOURCE
    if AXE_SOURCE is None:
        AXE_SOURCE = open(AXE).read()
    d.execute_script(AXE_SOURCE)
    found = d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ' ' + v.nodes.slice(0, 2).map(n => n.target.join(' ')).join(', '))))")
    check(not found, f"axe: no serious violation on {what} {found if found else ''}")


def replaced(element):
    """Whether the page `element` was on has been replaced. Chromium reports
    a node of a document it has just left either as stale or, during the
    switch, as not belonging to the document: both mean the old page is gone."""
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True
    except WebDriverException as e:
        if "does not belong to the document" in str(e):
            return True
        raise


def go(d, element):
    """Clicks (or submits) and waits for the page it leads to: reading the
    old page meanwhile would test nothing."""
    old = d.find_element(By.TAG_NAME, "html")
    if element.tag_name in ("input", "textarea"):
        element.submit()
    else:
        element.click()
    WebDriverWait(d, 15).until(lambda _: replaced(old))
    WebDriverWait(d, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def sign_in(d, base, email, password):
    d.find_element(By.ID, "login-email").send_keys(email)
    d.find_element(By.ID, "login-password").send_keys(password)
    go(d, d.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]"))


def scenarios(base, passwords):
    d = browser(1280)
    d.set_script_timeout(30)
    try:
        # Find a counterpart from the home page.
        d.get(base + "/")
        accessible(d, "the home page")
        Select(d.find_element(By.ID, "finder-country")).select_by_value("FR")
        Select(d.find_element(By.ID, "finder-article")).select_by_value("18")
        go(d, d.find_element(By.CSS_SELECTOR, "form.finder button[type=submit]"))
        check("/counterpart?" in d.current_url, "the finder answers on its own page")
        first = d.find_element(By.CSS_SELECTOR, "article.card h3").text
        check("Office of the Prosecutor General" in first, f"the central authority first ({first})")
        accessible(d, "the finder's answer")
        answer = d.current_url

        # Search with a typo.
        d.get(base + "/authorities")
        box = d.find_element(By.ID, "q")
        box.send_keys("ministry of justise")
        go(d, box)
        page = d.find_element(By.TAG_NAME, "main").text
        check("Including close spellings: justice for" in page, "a typo is read as the word meant")
        check(len(d.find_elements(By.CSS_SELECTOR, "article.card")) > 0, "the typo finds authorities")
        accessible(d, "the search page")

        # Sign in from the finder's answer and come back to it.
        d.get(answer)
        go(d, d.find_element(By.CSS_SELECTOR, "header a[href^='/login']"))
        accessible(d, "the sign-in page")
        focal = next(e for e in passwords if e.startswith("focal.point@"))
        sign_in(d, base, focal, passwords[focal])
        check(d.current_url == answer, f"back on the finder's answer after signing in ({d.current_url})")
        check("@" in d.find_element(By.CSS_SELECTOR, "article.card").text, "contacts shown once signed in")

        # Edit its authority with an error: told beside the field, nothing lost.
        d.get(base + "/updates")
        own = d.find_element(By.CSS_SELECTOR, "main a[href^='/authorities/']").get_attribute("href")
        d.get(own + "/edit")
        accessible(d, "the edit form")
        tz = d.find_element(By.ID, "f-time_zone")
        tz.clear()
        tz.send_keys("Lyon")
        city = d.find_element(By.ID, "f-city")
        city.clear()
        city.send_keys("Quolliqville")
        go(d, d.find_element(By.CSS_SELECTOR, "form.edit button[type=submit]"))
        summary = d.find_element(By.CSS_SELECTOR, ".alert").text
        check("Time zone" in summary and "time_zone" not in summary, "the error summary names the label")
        check(d.find_element(By.ID, "f-time_zone").get_attribute("aria-invalid") == "true",
              "the field with the error is marked")
        check(d.find_element(By.ID, "f-city").get_attribute("value") == "Quolliqville", "what was typed is kept")
        accessible(d, "the edit form with errors")

        # Submit an update.
        d.get(base + "/updates/new")
        accessible(d, "the update form")
        remarks = d.find_element(By.ID, "u-remarks")
        remarks.clear()
        remarks.send_keys("Requests by email only this week.")
        go(d, d.find_element(By.CSS_SELECTOR, "button[name=action][value=submit]"))
        page = d.find_element(By.TAG_NAME, "main").text
        check("Requests by email only this week." in page and "review" in page.lower(),
              "the update is submitted for review")
        accessible(d, "the focal point's updates")
        d.get(base + "/api/docs")
        check(d.find_element(By.TAG_NAME, "h1").text == "API reference", "the API reference opens")
        accessible(d, "the API reference")
        visited = [answer, base + "/authorities?q=ministry+of+justise", own, own + "/edit",
                   base + "/updates/new", base + "/updates", base + "/countries", base + "/measures",
                   base + "/bulletins", base + "/about", base + "/account", base + "/api/docs"]
        cookies = d.get_cookies()
    finally:
        d.quit()

    # Every page at 390 px, signed in: nothing scrolls sideways.
    d = browser(390)
    try:
        d.get(base + "/about")
        for c in cookies:
            d.add_cookie({k: c[k] for k in ("name", "value", "path") if k in c})
        for url in [base + "/", base + "/login"] + visited:
            d.get(url)
            wide = d.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            check(wide <= 0, f"390 px: {url[len(base):]} does not scroll sideways ({wide} px)")
        d.get(base + "/account")
        check("focal.point@" in d.find_element(By.TAG_NAME, "main").text, "390 px: signed in")
        # The secretariat's pages too.
        d.delete_all_cookies()
        d.get(base + "/login")
        admin = next(e for e in passwords if e.startswith("secretariat@"))
        sign_in(d, base, admin, passwords[admin])
        for path in ["/admin/updates", "/admin/changes", "/admin/stale", "/admin/mail",
                     "/admin/bulletin", "/authorities/new"]:
            d.get(base + path)
            check(d.current_url == base + path, f"390 px: {path} opens for the secretariat")
            wide = d.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            check(wide <= 0, f"390 px: {path} does not scroll sideways ({wide} px)")
            accessible(d, path)
    finally:
        d.quit()


def main():
    proc, base, passwords = start_server()
    try:
        scenarios(base, passwords)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    if failures:
        print(f"{len(failures)} browser check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("browser checks passed")


if __name__ == "__main__":
    main()
