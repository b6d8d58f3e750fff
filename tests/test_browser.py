"""The report and the review app in a real browser: headless Debian Chromium driven by Selenium.

These tests never skip: without /usr/bin/chromium and /usr/bin/chromedriver (Debian packages
`chromium` and `chromium-driver`, installed by .ci/run) they fail. Each test leaves screenshots
in its pytest tmp dir (the last one taken in teardown, pass or fail).
"""
from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from extract import run
from extract.outputs.csvio import read_rows
from extract.review import write_report
from extract.review.server import make_server
from extract.review.store import open_store

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpora"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1400,1000")

EVIL = ("某单位2023年度部门整体支出绩效自评报告\n一、基本情况\n"
        "<script>alert(1)</script>本单位</script>2023年项目支出合计100万元，其中人员经费60万元"
        '<img src=x onerror="window.__pwned=1">，公用经费50万元。\n'
        "二、绩效情况\n<b>满意度</b>达到105%。\n")
EVIL_NAME = '<img src=x onerror="window.__pwned=2">.txt'


@pytest.fixture
def browser(tmp_path):
    assert CHROMIUM.exists() and CHROMEDRIVER.exists(), \
        "headless Chromium is required: apt-get install chromium chromium-driver (.ci/run does)"
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ARGS:
        opts.add_argument(arg)
    opts.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=opts, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.save_screenshot(str(tmp_path / "final.png"))
        print(f"screenshots in {tmp_path}")
        driver.quit()


def shot(driver, tmp_path, name):
    driver.save_screenshot(str(tmp_path / f"{name}.png"))


def console_errors(driver):
    return [e for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "favicon" not in e["message"]]


def wait(driver, condition, timeout=10):
    return WebDriverWait(driver, timeout).until(lambda d: condition(d))


def no_alert(driver):
    try:
        driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


def make_inputs(folder: Path, names=("xiang-errors-2023.txt", "xiang-errors-2023.pdf")) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        shutil.copy(CORPUS / name, folder / name)
    (folder / "evil.txt").write_text(EVIL, encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / EVIL_NAME).write_text(EVIL.replace("105%", "108%"), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    out = base / "out"
    run([make_inputs(base / "in")], out)
    return write_report(out), out


def card(driver, flag_id):
    return driver.find_element(By.CSS_SELECTOR, f'#flags .flag[data-flag="{flag_id}"]')


def test_click_on_a_flag_scrolls_to_and_marks_its_figures(browser, report, tmp_path):
    path, out = report
    flag = next(f for f in read_rows(out / "flags.csv")
                if f["doc_id"] == "xiang-errors-2023.pdf" and f["check"] == "sum_mismatch")
    surfaces = {f["figure_id"]: f["surface"] for f in read_rows(out / "figures.csv")}
    browser.get(path.as_uri())
    card(browser, flag["flag_id"]).find_element(By.CSS_SELECTOR, ".fh").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#docview mark.sel"))
    shot(browser, tmp_path, "flag-clicked")
    marks = browser.find_elements(By.CSS_SELECTOR, "#docview mark.sel")
    marked = {i for m in marks for i in m.get_attribute("data-f").split()}
    assert marked == set(flag["figure_ids"].split())
    assert {m.text for m in marks} == {surfaces[i] for i in flag["figure_ids"].split()}
    assert browser.find_element(By.CSS_SELECTOR, "#docview .docid").text == "xiang-errors-2023.pdf"
    status = browser.find_element(By.ID, "status").text
    assert f"page {flag['page']}" in status and f"{len(marked)} figure(s) marked" in status
    in_view = browser.execute_script(
        "var m=arguments[0].getBoundingClientRect(),v=document.getElementById('view').getBoundingClientRect();"
        "return m.top>=v.top&&m.bottom<=v.bottom;", marks[0])
    assert in_view
    title = marks[0].get_attribute("title")
    assert all(k in title for k in ("value:", "base value:", "indicator:", "role:", "page:"))
    assert "cur" in card(browser, flag["flag_id"]).get_attribute("class")
    assert not console_errors(browser)


def test_filters_and_indicator_search(browser, report, tmp_path):
    path, out = report
    flags = read_rows(out / "flags.csv")
    browser.get(path.as_uri())
    visible = lambda: [c for c in browser.find_elements(By.CSS_SELECTOR, "#flags .flag") if c.is_displayed()]
    assert len(visible()) == len(flags)
    Select(browser.find_element(By.ID, "f-sev")).select_by_value("warning")
    assert {c.get_attribute("data-sev") for c in visible()} == {"warning"}
    assert len(visible()) == sum(f["severity"] == "warning" for f in flags)
    Select(browser.find_element(By.ID, "f-sev")).select_by_value("")
    Select(browser.find_element(By.ID, "f-check")).select_by_value("sum_mismatch")
    assert len(visible()) == sum(f["check"] == "sum_mismatch" for f in flags)
    Select(browser.find_element(By.ID, "f-check")).select_by_value("")
    Select(browser.find_element(By.ID, "f-doc")).select_by_visible_text("evil.txt")
    assert {c.get_attribute("data-flag") for c in visible()} == {
        f["flag_id"] for f in flags if f["doc_id"] == "evil.txt"}
    assert browser.find_element(By.CSS_SELECTOR, "#docview .docid").text == "evil.txt"
    Select(browser.find_element(By.ID, "f-doc")).select_by_value("")
    browser.find_element(By.ID, "f-ind").send_keys("满意度")
    shown = visible()
    assert shown and all(c.get_attribute("data-check") == "percent_out_of_range" for c in shown)
    assert browser.find_elements(By.CSS_SELECTOR, "#docview mark.hit")
    shot(browser, tmp_path, "filtered")
    assert not console_errors(browser)


def test_script_and_html_in_a_document_render_as_text(browser, report, tmp_path):
    path, out = report
    docs = read_rows(out / "documents.csv")
    browser.get(path.as_uri())
    for i, d in enumerate(docs):                     # every document's block survives the others
        browser.execute_script("jixiao.openDoc(arguments[0])", str(i))
        assert browser.find_element(By.CSS_SELECTOR, "#docview .docid").text == d["doc_id"]
    row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "tr.docrow")
               if r.find_element(By.TAG_NAME, "td").text == f"sub/{EVIL_NAME}")
    browser.execute_script("jixiao.openDoc('')")           # nothing: a fresh click opens the row
    row.click()
    wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#docview .docid").text == f"sub/{EVIL_NAME}")
    evil_flag = browser.find_element(By.CSS_SELECTOR, '#docview .flag[data-check="sum_mismatch"]')
    evil_flag.click()
    shot(browser, tmp_path, "evil-document")
    text = browser.find_element(By.CSS_SELECTOR, "#docview .text").text
    assert "<script>alert(1)</script>本单位</script>" in text
    assert '<img src=x onerror="window.__pwned=1">' in text
    assert "</script>" in evil_flag.find_element(By.CSS_SELECTOR, ".ev").text
    assert not browser.find_elements(By.CSS_SELECTOR, "#docview script, #docview img")
    assert not browser.find_elements(By.CSS_SELECTOR, "#docview .text :not(mark), #docview .ev *, #docview .msg *")
    assert not browser.find_elements(By.CSS_SELECTOR, "body img")
    assert browser.execute_script("return window.__pwned") is None
    assert no_alert(browser)
    assert not console_errors(browser)


@pytest.fixture
def review_server(tmp_path):
    inputs = make_inputs(tmp_path / "in", names=("xiang-errors-2023.txt",))
    out = tmp_path / "out"
    run([inputs], out)
    srv = make_server(out)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv, inputs, out
    srv.shutdown()
    srv.server_close()


def rv(driver, flag_id):
    c = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f'#flags .flag[data-flag="{flag_id}"] .rv'))
    return c[0]


def test_review_decision_survives_reload_and_rerun(browser, review_server, tmp_path):
    srv, inputs, out = review_server
    flags = read_rows(out / "flags.csv")
    target = next(f for f in flags if f["check"] == "sum_mismatch" and f["doc_id"] == "xiang-errors-2023.txt")
    note = "已核实：合计为调整后数 <b>不是错误</b>"
    browser.get(srv.url)
    box = rv(browser, target["flag_id"])
    browser.find_element(By.ID, "reviewer").send_keys("张三")
    box.find_element(By.TAG_NAME, "textarea").send_keys(note)
    box.find_element(By.CSS_SELECTOR, "button.b-dism").click()
    wait(browser, lambda d: "dismissed" in rv(d, target["flag_id"]).find_element(By.CSS_SELECTOR, ".badges").text)
    shot(browser, tmp_path, "dismissed")
    stored = open_store(out).decisions()[target["flag_id"]]
    assert (stored["decision"], stored["note"], stored["reviewer"]) == ("dismissed", note, "张三")

    browser.refresh()
    box = rv(browser, target["flag_id"])
    wait(browser, lambda d: "dismissed" in rv(d, target["flag_id"]).find_element(By.CSS_SELECTOR, ".badges").text)
    assert box.find_element(By.TAG_NAME, "textarea").get_attribute("value") == note
    shot(browser, tmp_path, "reloaded")

    # the batch is run again: the evil reports are gone, another report is new
    (inputs / "evil.txt").unlink()
    shutil.rmtree(inputs / "sub")
    shutil.copy(CORPUS / "zhongxue-2023.txt", inputs / "zhongxue-2023.txt")
    run([inputs], out)
    new_flags = read_rows(out / "flags.csv")
    assert target["flag_id"] in {f["flag_id"] for f in new_flags}
    browser.refresh()
    box = rv(browser, target["flag_id"])
    wait(browser, lambda d: "dismissed" in rv(d, target["flag_id"]).find_element(By.CSS_SELECTOR, ".badges").text)
    assert box.find_element(By.TAG_NAME, "textarea").get_attribute("value") == note
    new = next(f for f in new_flags if f["doc_id"] == "zhongxue-2023.txt")
    assert "new" in rv(browser, new["flag_id"]).find_element(By.CSS_SELECTOR, ".badges").text.split()
    old = next(f for f in read_rows(out / "flags.csv") if f["doc_id"] == "xiang-errors-2023.txt"
               and f["flag_id"] != target["flag_id"])
    assert "new" not in rv(browser, old["flag_id"]).find_element(By.CSS_SELECTOR, ".badges").text.split()
    gone = browser.find_element(By.ID, "gone")
    assert gone.is_displayed()
    gone_ids = {e.get_attribute("data-flag") for e in gone.find_elements(By.CSS_SELECTOR, ".flag")}
    assert gone_ids == {f["flag_id"] for f in flags if f["doc_id"] != "xiang-errors-2023.txt"}
    Select(browser.find_element(By.ID, "f-rv")).select_by_value("decided")
    shown = [c.get_attribute("data-flag") for c in browser.find_elements(By.CSS_SELECTOR, "#flags .flag")
             if c.is_displayed()]
    assert shown == [target["flag_id"]]
    shot(browser, tmp_path, "after-rerun")
    assert browser.execute_script("return window.__pwned") is None and no_alert(browser)
    assert not console_errors(browser)


def test_two_hundred_documents_open_and_filter_within_five_seconds(browser, tmp_path):
    corpus = sorted(CORPUS.glob("*.txt"))
    inputs = tmp_path / "in"
    for i in range(200):
        folder = inputs / f"county-{i % 10:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(corpus[i % len(corpus)], folder / f"{i:03d}-{corpus[i % len(corpus)].name}")
    out = tmp_path / "out"
    reports = run([inputs], out)
    assert len(reports) == 200
    t = time.perf_counter()
    path = write_report(out)
    written = time.perf_counter() - t
    size = path.stat().st_size
    assert size < 20 * 1024 * 1024, size
    flags = read_rows(out / "flags.csv")

    t0 = time.perf_counter()
    browser.get(path.as_uri())
    loaded = time.perf_counter() - t0
    Select(browser.find_element(By.ID, "f-sev")).select_by_value("error")
    wait(browser, lambda d: d.find_element(By.ID, "shown").text.startswith(
        f"{sum(f['severity'] == 'error' for f in flags)} of {len(flags)}"), timeout=5)
    Select(browser.find_element(By.ID, "f-doc")).select_by_index(150)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#docview mark.f"), timeout=5)
    elapsed = time.perf_counter() - t0
    shot(browser, tmp_path, "batch-200")
    print(f"200 documents: report.html {size / 1e6:.1f} MB written in {written:.2f} s; "
          f"loaded in {loaded:.2f} s, filtered and a document opened in {elapsed:.2f} s")
    assert elapsed < 5, elapsed
    assert not console_errors(browser)
