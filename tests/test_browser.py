"""The report and the review app in a real browser: headless Debian Chromium driven by Selenium.

These tests never skip: without /usr/bin/chromium and /usr/bin/chromedriver (Debian packages
`chromium` and `chromium-driver`, installed by .ci/run) they fail. Each test leaves a
screenshot of every view it visits in its pytest tmp dir (the last one taken in teardown,
pass or fail), and prints where.
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

import pypdfium2 as pdfium

from extract import run
from extract.core.rows import bbox_from_text
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
CODE_WORDS = ("confirm", "dismiss", "undecide", "growth_rate", "sum_mismatch", "stated [", "tolerance",
              "not located", "Flags", "Documents", "severity")


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


def click(driver, element):
    """Click an element once it is scrolled to the middle (clear of the sticky filter bar)."""
    driver.execute_script("arguments[0].scrollIntoView({block:'center'})", element)
    element.click()


def shot(driver, tmp_path, name, element=None):
    """A screenshot of the view, with `element` (a flag card) scrolled into sight first."""
    if element is not None:
        driver.execute_script("arguments[0].scrollIntoView({block:'center'})", element)
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


def make_inputs(folder: Path, names=("xiang-errors-2023.txt", "xiang-errors-2023.pdf"), scan=False) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        shutil.copy(CORPUS / name, folder / name)
    (folder / "evil.txt").write_text(EVIL, encoding="utf-8")
    (folder / "sub").mkdir()
    # another unit's report (the same unit and year would be a copy of evil.txt)
    (folder / "sub" / EVIL_NAME).write_text(EVIL.replace("105%", "108%").replace("某单位", "某某单位"),
                                            encoding="utf-8")
    if scan:          # one scanned page, read by OCR: the target table
        src, out = pdfium.PdfDocument(str(CORPUS / "xiangmu-yinshui-2023.scan.pdf")), pdfium.PdfDocument.new()
        out.import_pages(src, [5])
        out.save(str(folder / "扫描件.pdf"))
    return folder


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    out = base / "out"
    run([make_inputs(base / "in", scan=True)], out)
    return write_report(out), out


def card(driver, flag_id):
    return driver.find_element(By.CSS_SELECTOR, f'#flags .flag[data-flag="{flag_id}"]')


def boxes_in_points(driver):
    """The page view's boxes as drawn, in PDF points from the page's top-left (their centres)."""
    return driver.execute_script("""
        var img=document.getElementById('pg-img'),r=img.getBoundingClientRect();
        var k=(img.naturalWidth/parseFloat(document.body.dataset.scale))/r.width;
        return Array.prototype.map.call(document.querySelectorAll('#pg-boxes .pg-box'),function(b){
          var q=b.getBoundingClientRect();return [((q.left+q.right)/2-r.left)*k,((q.top+q.bottom)/2-r.top)*k];});""")


def centre(rect):
    return (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2


def test_the_desk_speaks_chinese(browser, report, tmp_path):
    path, out = report
    browser.get(path.as_uri())
    shot(browser, tmp_path, "overview")
    side = browser.find_element(By.ID, "side").text
    for words in ("概览", "份报告", "个问题", "错误", "警告", "提示", "核查项", "合计与分项不符", "增减额与增长率不符",
                  "出错的文件", "文件"):
        assert words in side, words
    visible = browser.find_element(By.TAG_NAME, "body").text
    lines = [ln for ln in visible.split("\n") if not ln.startswith("编号 ")]      # the ids are codes
    assert not [ln for ln in lines for code in CODE_WORDS if code in ln]
    sums = [c for c in browser.find_elements(By.CSS_SELECTOR, '#flags .flag[data-check="sum_mismatch"]')]
    assert sums and all(c.find_element(By.CSS_SELECTOR, ".sev").text == "错误" for c in sums)
    xiang = next(f for f in read_rows(out / "flags.csv")
                 if f["doc_id"] == "xiang-errors-2023.pdf" and f["check"] == "sum_mismatch")
    arith = card(browser, xiang["flag_id"]).find_element(By.CSS_SELECTOR, ".arith").text
    assert arith.startswith("各项之和") and "万元，比" in arith and "按各数的书写精度，误差至多±" in arith
    assert "1,268.40万元" in arith and "1,208.40万元" in arith            # the report's unit, separators
    assert not console_errors(browser)


def test_click_on_a_flag_marks_its_figures_and_boxes_them_on_the_page(browser, report, tmp_path):
    path, out = report
    flag = next(f for f in read_rows(out / "flags.csv")
                if f["doc_id"] == "xiang-errors-2023.pdf" and f["check"] == "sum_mismatch")
    figures = {f["figure_id"]: f for f in read_rows(out / "figures.csv")}
    browser.get(path.as_uri())
    card(browser, flag["flag_id"]).find_element(By.CSS_SELECTOR, ".fh").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#docview mark.sel"))
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#pg-boxes .pg-box"))
    shot(browser, tmp_path, "flag-and-page", card(browser, flag["flag_id"]))
    marks = browser.find_elements(By.CSS_SELECTOR, "#docview mark.sel")
    marked = {i for m in marks for i in m.get_attribute("data-f").split()}
    ids = flag["figure_ids"].split()
    assert marked == set(ids)
    assert {m.text for m in marks} == {figures[i]["surface"] for i in ids}
    assert browser.find_element(By.CSS_SELECTOR, "#docview .docid").text == "xiang-errors-2023.pdf"
    status = browser.find_element(By.ID, "status").text
    assert f"第{flag['page']}页" in status and f"文中标出{len(marked)}个数字" in status
    in_view = browser.execute_script(
        "var m=arguments[0].getBoundingClientRect(),v=document.getElementById('view').getBoundingClientRect();"
        "return m.top>=v.top&&m.bottom<=v.bottom;", marks[0])
    assert in_view
    title = marks[0].get_attribute("title")
    assert all(k in title for k in ("数值：", "折合：", "指标：", "角色：", "页"))
    assert "cur" in card(browser, flag["flag_id"]).get_attribute("class")
    # the page view: the flag's figures boxed where the PDF prints them
    assert browser.find_element(By.ID, "pg-label").text.startswith(f"xiang-errors-2023.pdf 第{flag['page']}页")
    drawn = boxes_in_points(browser)
    wanted = [centre(r) for i in ids if figures[i]["page"] == flag["page"] for r in bbox_from_text(figures[i]["bbox"])]
    assert len(drawn) == len(wanted) >= 3
    for x, y in wanted:
        assert min(abs(x - a) + abs(y - b) for a, b in drawn) < 2, (x, y, drawn)
    assert not console_errors(browser)


def test_a_scanned_page_shows_ocr_confidence_and_boxes_the_doubtful_figure(browser, report, tmp_path):
    """A flag resting on an OCR reading the engine was unsure of (below 0.95) says so, shows
    that operand's confidence, is a warning at most, and boxes the figure where it is printed."""
    path, out = report
    docs = read_rows(out / "documents.csv")
    scan = next(d for d in docs if d["doc_id"] == "扫描件.pdf")
    assert scan["ocr_pages"] == "1" and float(scan["ocr_confidence"]) > 0.5
    figures = {f["figure_id"]: f for f in read_rows(out / "figures.csv")}
    confidence = lambda i: float(figures[i]["confidence"])
    flag, doubtful = min(((f, min(f["figure_ids"].split(), key=confidence))
                          for f in read_rows(out / "flags.csv") if f["doc_id"] == "扫描件.pdf"),
                         key=lambda fd: confidence(fd[1]))
    misread = figures[doubtful]
    assert misread["source_method"] == "ocr" and confidence(doubtful) < 0.95
    browser.get(path.as_uri())
    c = card(browser, flag["flag_id"])
    c.find_element(By.CSS_SELECTOR, ".fh").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#pg-boxes .pg-box"))
    shot(browser, tmp_path, "scan-flag", c)
    ops = [o.text for o in c.find_elements(By.CSS_SELECTOR, ".op")]
    assert any(f"OCR置信度{confidence(doubtful):.2f}，存疑" in o for o in ops), ops
    assert "OCR识别" in c.find_element(By.CSS_SELECTOR, ".msg").text
    assert c.find_element(By.CSS_SELECTOR, ".sev").text == "警告"
    assert "由OCR识别" in browser.find_element(By.CSS_SELECTOR, "#docview .ocrnote").text
    assert "扫描页" in browser.find_element(By.ID, "pg-note").text
    drawn = boxes_in_points(browser)
    (x, y), = [centre(r) for r in bbox_from_text(misread["bbox"])]
    assert min(abs(x - a) + abs(y - b) for a, b in drawn) < 2
    # and that is where the figure is printed: the same number on the text PDF's page
    page = pdfium.PdfDocument(str(CORPUS / "xiangmu-yinshui-2023.pdf"))[5]
    tp, height = page.get_textpage(), page.get_height()
    hits = tp.search(misread["surface"])
    places = []
    while (m := hits.get_next()):
        left, bottom, right, top = tp.get_charbox(m[0], loose=True)
        places.append(((left + right) / 2, height - (top + bottom) / 2))
    assert places and min(abs(x - p) + abs(y - q) for p, q in places) < 25
    assert not console_errors(browser)


def test_renderings_of_one_report_are_shown_once_and_listed(browser, report, tmp_path):
    path, out = report
    docs = {d["doc_id"]: d for d in read_rows(out / "documents.csv")}
    assert docs["xiang-errors-2023.txt"]["duplicate_of"] == "xiang-errors-2023.pdf"
    flags = read_rows(out / "flags.csv")
    assert not [f for f in flags if f["doc_id"] == "xiang-errors-2023.txt"]
    browser.get(path.as_uri())
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.docrow.copy")
    assert [r.find_element(By.TAG_NAME, "td").text for r in rows] == ["↳ xiang-errors-2023.txt"]
    flag = next(f for f in flags if f["doc_id"] == "xiang-errors-2023.pdf" and f["check"] == "growth_mismatch")
    c = card(browser, flag["flag_id"])
    link = c.find_element(By.CSS_SELECTOR, ".also .rendering")
    assert link.text.startswith("xiang-errors-2023.txt")
    link.click()
    wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#docview .docid").text == "xiang-errors-2023.txt")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#docview mark.sel")) >= 3
    assert "xiang-errors-2023.pdf" in browser.find_element(By.CSS_SELECTOR, "#docview .copies").text
    shot(browser, tmp_path, "rendering")
    assert not console_errors(browser)


def test_filters_and_indicator_search(browser, report, tmp_path):
    path, out = report
    flags = read_rows(out / "flags.csv")
    browser.get(path.as_uri())
    visible = lambda: [c for c in browser.find_elements(By.CSS_SELECTOR, "#flags .flag") if c.is_displayed()]
    assert len(visible()) == len(flags)
    Select(browser.find_element(By.ID, "f-sev")).select_by_visible_text("警告")
    assert {c.get_attribute("data-sev") for c in visible()} == {"warning"}
    assert len(visible()) == sum(f["severity"] == "warning" for f in flags)
    Select(browser.find_element(By.ID, "f-sev")).select_by_value("")
    Select(browser.find_element(By.ID, "f-check")).select_by_visible_text("合计与分项不符")
    assert len(visible()) == sum(f["check"] == "sum_mismatch" for f in flags)
    Select(browser.find_element(By.ID, "f-check")).select_by_value("")
    Select(browser.find_element(By.ID, "f-doc")).select_by_visible_text("evil.txt")
    assert {c.get_attribute("data-flag") for c in visible()} == {
        f["flag_id"] for f in flags if f["doc_id"] == "evil.txt"}
    assert browser.find_element(By.CSS_SELECTOR, "#docview .docid").text == "evil.txt"
    Select(browser.find_element(By.ID, "f-doc")).select_by_value("")
    browser.find_element(By.ID, "f-ind").send_keys("公务接待费")
    shown = visible()
    assert shown and all(c.get_attribute("data-check") == "growth_mismatch" for c in shown)
    shown[0].find_element(By.CSS_SELECTOR, ".fh").click()
    assert browser.find_elements(By.CSS_SELECTOR, "#docview mark.hit")
    assert browser.find_element(By.ID, "shown").text == f"显示{len(shown)}个问题，共{len(flags)}个"
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
    assert not browser.find_elements(By.CSS_SELECTOR, "body img:not(#pg-img)")
    assert browser.execute_script("return window.__pwned") is None
    assert no_alert(browser)
    assert not console_errors(browser)


@pytest.fixture
def review_server(tmp_path):
    inputs = make_inputs(tmp_path / "in", names=("xian-nongye-2023.pdf",))
    (inputs / "2023").mkdir()
    shutil.copy(CORPUS / "xiang-errors-2023.txt", inputs / "2023" / "xiang-errors-2023.txt")
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


def badges(driver, flag_id):
    return rv(driver, flag_id).find_element(By.CSS_SELECTOR, ".badges").text


DOC = "2023/xiang-errors-2023.txt"


def test_review_decisions_by_clicking_survive_reload_rerun_revision_and_show_changes(browser, review_server, tmp_path):
    srv, inputs, out = review_server
    flags = read_rows(out / "flags.csv")
    target = next(f for f in flags if f["check"] == "sum_mismatch" and f["doc_id"] == DOC)
    other = next(f for f in flags if f["check"] == "growth_mismatch" and f["doc_id"] == DOC)
    note = "已核实：合计为调整后数 <b>不是错误</b>"
    browser.get(srv.url)
    box = rv(browser, target["flag_id"])
    shot(browser, tmp_path, "review-open")
    assert "未定" in badges(browser, target["flag_id"])
    assert [b.text for b in box.find_elements(By.TAG_NAME, "button")] == ["确认有误", "排除", "撤销决定", "保存备注"]
    browser.find_element(By.ID, "reviewer").send_keys("张三")
    box.find_element(By.TAG_NAME, "textarea").send_keys(note)
    box.find_element(By.CSS_SELECTOR, "button.b-dism").click()
    wait(browser, lambda d: "已排除" in badges(d, target["flag_id"]))
    rv(browser, other["flag_id"]).find_element(By.CSS_SELECTOR, "button.b-conf").click()
    wait(browser, lambda d: "已确认" in badges(d, other["flag_id"]))
    click(browser, card(browser, target["flag_id"]).find_element(By.CSS_SELECTOR, ".fh"))
    shot(browser, tmp_path, "review-decided", card(browser, target["flag_id"]))
    stored = open_store(out).decisions()[target["flag_id"]]
    assert (stored["decision"], stored["note"], stored["reviewer"]) == ("dismissed", note, "张三")
    shown = badges(browser, target["flag_id"])
    local = browser.execute_script("return new Date(arguments[0]).toLocaleString('zh-CN',{hour12:false})",
                                   stored["decided_at"])
    assert f"张三 {local}" in shown                                    # the time in the reader's zone

    def kept():
        browser.refresh()
        wait(browser, lambda d: "已排除" in badges(d, target["flag_id"]))
        assert rv(browser, target["flag_id"]).find_element(By.TAG_NAME, "textarea").get_attribute("value") == note
        assert "已确认" in badges(browser, other["flag_id"])

    kept()
    shot(browser, tmp_path, "review-reloaded", card(browser, target["flag_id"]))
    # the server renders the PDF's page for the page view, with the flag's figures boxed
    pdf_flag = next(f for f in flags if f["doc_id"] == "xian-nongye-2023.pdf" and f["check"] == "sum_mismatch")
    click(browser, card(browser, pdf_flag["flag_id"]).find_element(By.CSS_SELECTOR, ".fh"))
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#pg-boxes .pg-box"), timeout=30)
    assert browser.find_element(By.ID, "pg-img").get_attribute("src").startswith(srv.url + "page/")
    figures = {f["figure_id"]: f for f in read_rows(out / "figures.csv")}
    rects = [r for i in pdf_flag["figure_ids"].split() if figures[i]["page"] == pdf_flag["page"]
             for r in bbox_from_text(figures[i]["bbox"])]                  # a box per printed line
    assert len(boxes_in_points(browser)) == len(rects) >= len(pdf_flag["figure_ids"].split())
    shot(browser, tmp_path, "review-page", card(browser, pdf_flag["flag_id"]))
    # the batch is run again: the evil reports are gone, another report is new
    (inputs / "evil.txt").unlink()
    shutil.rmtree(inputs / "sub")
    shutil.copy(CORPUS / "zhongxue-2023.txt", inputs / "zhongxue-2023.txt")
    run([inputs], out)
    kept()
    new = next(f for f in read_rows(out / "flags.csv") if f["doc_id"] == "zhongxue-2023.txt")
    assert "新出现" in badges(browser, new["flag_id"])
    assert "新出现" not in badges(browser, target["flag_id"])
    gone = browser.find_element(By.ID, "gone")
    assert gone.is_displayed()
    gone_ids = {e.get_attribute("data-flag") for e in gone.find_elements(By.CSS_SELECTOR, ".flag")}
    assert gone_ids == {f["flag_id"] for f in flags if f["doc_id"] not in (DOC, "xian-nongye-2023.pdf")}
    Select(browser.find_element(By.ID, "f-rv")).select_by_visible_text("已定")
    decided = [c.get_attribute("data-flag") for c in browser.find_elements(By.CSS_SELECTOR, "#flags .flag")
               if c.is_displayed()]
    assert sorted(decided) == sorted([target["flag_id"], other["flag_id"]])
    shot(browser, tmp_path, "review-rerun")

    # a revision: a paragraph inserted at the top, the title marked, the folder renamed
    text = (inputs / "2023" / "xiang-errors-2023.txt").read_text(encoding="utf-8")
    title, rest = text.split("\n", 1)
    revised = f"{title}（修订稿）\n\n（本稿根据县财政局审核意见修订，补充了项目资金的使用说明。）\n{rest}"
    (inputs / "2023" / "xiang-errors-2023.txt").write_text(revised, encoding="utf-8")
    (inputs / "2023").rename(inputs / "2023年修订")
    run([inputs], out)
    assert {f["doc_id"] for f in read_rows(out / "flags.csv")} >= {"2023年修订/xiang-errors-2023.txt"}
    kept()
    shot(browser, tmp_path, "review-revision", card(browser, target["flag_id"]))

    # an operand's value changed: the flag shows as changed, with the earlier decision beside it
    path = inputs / "2023年修订" / "xiang-errors-2023.txt"
    path.write_text(revised.replace("其他收入32.15万元", "其他收入42.15万元", 1), encoding="utf-8")
    run([inputs], out)
    now = read_rows(out / "flags.csv")
    changed = next(f for f in now if f["check"] == "sum_mismatch" and f["subject_id"] == target["subject_id"])
    assert changed["flag_id"] != target["flag_id"]
    browser.refresh()
    wait(browser, lambda d: "有变化" in badges(d, changed["flag_id"]))
    shown = badges(browser, changed["flag_id"])
    assert "此前已排除（张三" in shown and "未定" in shown and note in shown
    assert "新出现" not in shown                                        # changed, not new
    assert "已确认" in badges(browser, other["flag_id"])                 # untouched flags keep theirs
    gone_ids = {e.get_attribute("data-flag") for e in browser.find_elements(By.CSS_SELECTOR, "#gone .flag")}
    assert target["flag_id"] not in gone_ids                           # shown as changed, not as gone
    Select(browser.find_element(By.ID, "f-rv")).select_by_visible_text("有变化")
    assert [c.get_attribute("data-flag") for c in browser.find_elements(By.CSS_SELECTOR, "#flags .flag")
            if c.is_displayed()] == [changed["flag_id"]]
    click(browser, card(browser, changed["flag_id"]).find_element(By.CSS_SELECTOR, ".fh"))
    shot(browser, tmp_path, "review-changed", card(browser, changed["flag_id"]))
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
    wait(browser, lambda d: d.find_element(By.ID, "shown").text ==
         f"显示{sum(f['severity'] == 'error' for f in flags)}个问题，共{len(flags)}个", timeout=5)
    Select(browser.find_element(By.ID, "f-doc")).select_by_index(150)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#docview mark.f"), timeout=5)
    elapsed = time.perf_counter() - t0
    shot(browser, tmp_path, "batch-200")
    print(f"200 documents: report.html {size / 1e6:.1f} MB written in {written:.2f} s; "
          f"loaded in {loaded:.2f} s, filtered and a document opened in {elapsed:.2f} s")
    assert elapsed < 5, elapsed
    assert not console_errors(browser)
