"""Test tiers. Unmarked tests are the unit tier: `pytest -m "not slow"` runs them in about a
minute. The other tiers are marked by what they need and all count as slow:

    corpus    the bundled reports in corpora/, run whole (accuracy floors, flags, panel)
    property  hypothesis fuzzing (JIXIAO_FUZZ_EXAMPLES examples each, 10,000 by default)
    browser   real Chromium driven by selenium (Debian chromium, chromium-driver)
    ocr       OCR engines on rendered pages (RapidOCR; Tesseract with tesseract-ocr-chi-sim)
    batch     whole batches in worker processes, Dask, kills and resumes

`pytest -m corpus` runs one tier; plain `pytest` runs them all.
"""
from __future__ import annotations

import pytest

TIERS = {
    "corpus": "the bundled reports in corpora/, run whole",
    "property": "hypothesis fuzzing",
    "browser": "real Chromium driven by selenium",
    "ocr": "OCR engines on rendered pages",
    "batch": "whole batches in worker processes",
}


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: any tier but the unit tier")
    for name, what in TIERS.items():
        config.addinivalue_line("markers", f"{name}: {what} (slow)")


def pytest_collection_modifyitems(items):
    for item in items:
        if any(item.get_closest_marker(name) for name in TIERS):
            item.add_marker(pytest.mark.slow)
