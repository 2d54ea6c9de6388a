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
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    session = webdriver.Chrome(service=Service(driver), options=options)
    yield session
    session.quit()


def test_docs_list_every_operation(api, browser):
    browser.get(f"{api.base_url}/docs")
    summaries = {
        operation["summary"]
        for path in contract.document()["paths"].values()
        for method, operation in path.items()
        if isinstance(operation, dict) and "summary" in operation
    }

    def rendered(driver):
        text = driver.find_element(By.TAG_NAME, "body").text
        return all(summary in text for summary in summaries)

    WebDriverWait(browser, 30).until(rendered)
    assert "AI Lifestyle API" in browser.title
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == [], errors


def _try_out(browser, wait, dom_id: str) -> tuple[str, str]:
    """Open one operation, press "Try it out" and "Execute" (with the example body the page
    fills in), and read the status and body the page shows."""
    operation = wait.until(lambda driver: driver.find_element(By.ID, dom_id))
    browser.execute_script("arguments[0].scrollIntoView()", operation)
    if not operation.find_elements(By.CSS_SELECTOR, ".try-out__btn"):
        operation.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    wait.until(lambda driver: operation.find_element(By.CSS_SELECTOR, ".try-out__btn")).click()
    operation.find_element(By.CSS_SELECTOR, ".execute").click()
    live = ".live-responses-table tr.response"

    def shown_status(driver):
        cells = operation.find_elements(By.CSS_SELECTOR, f"{live} .response-col_status")
        return cells[0].text.strip() if cells and cells[0].text.strip() else None

    status = wait.until(shown_status)
    return status, operation.find_element(By.CSS_SELECTOR, f"{live} .response-col_description").text


def test_example_calls_succeed_from_the_page(api, browser):
    # A real user's access token, pasted into Authorize as a reader would; then operations are
    # tried out from the page, one with the contract's example body, and the page must show
    # the API's success.
    _, login = api.new_account()
    browser.get(f"{api.base_url}/docs#/profile/getProfile")
    wait = WebDriverWait(browser, 30)
    wait.until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "button.authorize"))
    browser.find_element(By.CSS_SELECTOR, "button.authorize").click()
    token_field = wait.until(
        lambda driver: driver.find_element(By.CSS_SELECTOR, ".auth-container input")
    )
    token_field.send_keys(login["accessToken"])
    browser.find_element(By.CSS_SELECTOR, ".auth-btn-wrapper button.authorize").click()
    browser.find_element(By.CSS_SELECTOR, ".auth-btn-wrapper button.btn-done").click()

    status, body = _try_out(browser, wait, "operations-profile-getProfile")
    assert status == "200"
    assert f'"userId": "{login["user"]["userId"]}"' in body
    status, body = _try_out(browser, wait, "operations-goals-createGoal")
    assert status == "201", body
    assert '"title": "Run 15 km a week"' in body  # the first example of the contract
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == [], errors


def test_plumbing_is_listed_after_the_api(api, browser):
    browser.get(f"{api.base_url}/docs")
    WebDriverWait(browser, 30).until(
        lambda driver: driver.find_elements(By.CSS_SELECTOR, ".opblock-tag-section")
    )
    tags = [
        section.get_attribute("data-tag")
        or section.find_element(By.CSS_SELECTOR, ".opblock-tag").get_attribute("data-tag")
        for section in browser.find_elements(By.CSS_SELECTOR, ".opblock-tag-section")
    ]
    assert tags[0] == "auth", tags
    assert tags[-1] == "plumbing", tags


def test_docs_need_nothing_from_outside(api):
    page = requests.get(f"{api.base_url}/docs", timeout=10)
    assert "http://" not in page.text
    assert "https://" not in page.text
    # The browser itself refuses anything from elsewhere.
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "connect-src 'self'" in policy
    for asset, content_type in (
        ("swagger-ui-bundle.min.js", "application/javascript"),
        ("swagger-ui.min.css", "text/css"),
        ("start.js", "application/javascript"),
    ):
        answer = requests.get(f"{api.base_url}/docs/{asset}", timeout=10)
        assert answer.status_code == 200, asset
        assert answer.headers["Content-Type"].startswith(content_type)
        assert answer.headers["Cache-Control"].startswith("public, max-age=")
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    starter = requests.get(f"{api.base_url}/docs/start.js", timeout=10).text
    assert "validatorUrl: null" in starter  # no contract sent to validator.swagger.io
    spec = requests.get(f"{api.base_url}/openapi.yaml", timeout=10)
    assert spec.text == contract.CONTRACT_PATH.read_text()
