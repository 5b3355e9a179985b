"""The back office in a real headless browser (Debian's chromium), against a real server process.

The server runs on a database of its own, migrated with rtx-migrate, as in production.
"""

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.conftest import PROJECT_ROOT, command_environment, connect, fetch_all, manage

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
PASSWORD = "a long enough password 1"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER),
        reason="needs Debian's chromium and chromium-driver (apt-get install chromium "
        "chromium-driver)",
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(database: str) -> Iterator[str]:
    assert manage("rtx_migrate", "-up", database=database).returncode == 0
    for username, role in (("boss", "super_admin"), ("helpdesk", "support")):
        environment = command_environment(database, "rtx.settings", {})
        created = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "rtx_create_admin",
                "--username",
                username,
                "--email",
                f"{username}@rtx.test",
                "--role",
                role,
                "--password-stdin",
            ],
            input=f"{PASSWORD}\n",
            cwd=PROJECT_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        assert created.returncode == 0, created.stderr
    with connect(database) as connection:
        connection.execute(
            "INSERT INTO users (id, username, email, password_hash) VALUES (1, 't', 't@x', 'h');"
            "INSERT INTO accounts (id, user_id, account_number, balance) "
            "VALUES (1, 1, 'ACC-1', 100)"
        )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--insecure", f"127.0.0.1:{port}"],
        cwd=PROJECT_ROOT,
        env=command_environment(database, "rtx.settings", {}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def log_in(driver, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    driver.get(f"{base}/admin/login/?next=/admin/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda page: "Site administration" in page.page_source)


def test_change_an_account_see_it_audited_and_get_refused_as_support(
    server: str,
    browser,
    database: str,  # type: ignore[no-untyped-def]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    log_in(browser, server, "boss")
    assert "Site administration" in browser.page_source

    browser.get(f"{server}/admin/accounts/account/1/change/")
    balance = browser.find_element(By.NAME, "balance")
    balance.clear()
    balance.send_keys("4321.5")
    browser.find_element(By.NAME, "_save").click()
    WebDriverWait(browser, 10).until(lambda page: "was changed successfully" in page.page_source)
    assert fetch_all(database, "SELECT balance::text FROM accounts WHERE id = 1") == [
        ("4321.50000",)
    ]

    browser.get(f"{server}/admin/adminpanel/adminauditlog/?q=4321.5")
    rows = browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert len(rows) == 1
    assert "update" in rows[0].text and "accounts" in rows[0].text and "boss" in rows[0].text

    browser.find_element(By.CSS_SELECTOR, "#logout-form button").click()
    WebDriverWait(browser, 10).until(lambda driver: "Logged out" in driver.page_source)
    log_in(browser, server, "helpdesk")
    browser.get(f"{server}/admin/accounts/account/add/")
    assert "403 Forbidden" in browser.page_source
    browser.get(f"{server}/admin/accounts/account/1/change/")
    assert browser.find_elements(By.NAME, "_save") == []
