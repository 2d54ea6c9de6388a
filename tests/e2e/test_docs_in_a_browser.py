"""The interactive docs, opened in a real (headless) browser on chalice local."""

import os
import shutil

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests import contract


@pytest.fixture(scope="module")
def browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium and chromedriver are missing (.ci/run installs them)")
        pytest.skip("install Debian's chromium and chromium-driver to run the browser test")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--disable-gpu"):
        options.add_argument(flag)
    session = webdriver.Chrome(service=Service(driver), options=options)
    yield session
    session.quit()


def test_docs_list_every_operation(api, browser):
    browser.get(f"{api.base_url}/docs")
    summaries = {operation["summary"] for path in contract.document()["paths"].values()
                 for method, operation in path.items() if isinstance(operation, dict)
                 and "summary" in operation}

    def rendered(driver):
        text = driver.find_element(By.TAG_NAME, "body").text
        return all(summary in text for summary in summaries)

    WebDriverWait(browser, 30).until(rendered)
    assert "AI Lifestyle API" in browser.title
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == [], errors


def test_docs_need_nothing_from_outside(api):
    page = requests.get(f"{api.base_url}/docs", timeout=10).text
    assert "http://" not in page and "https://" not in page
    script = requests.get(f"{api.base_url}/docs/redoc.standalone.js", timeout=10)
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert "cdn.redoc.ly" not in script.text
    logo = requests.get(f"{api.base_url}/docs/logo-mini.svg", timeout=10)
    assert logo.status_code == 200 and "<svg" in logo.text
    spec = requests.get(f"{api.base_url}/openapi.yaml", timeout=10)
    assert spec.text == contract.CONTRACT_PATH.read_text()
