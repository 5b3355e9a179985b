"""Server time of the back office's pages on a seeded database, as a logged-in admin sees them.

Usage::

    .venv/bin/python bench/admin_pages.py [--runs 10] [--scale 1.0] [--database NAME] [--keep]

Without ``--database`` it creates ``rtx_bench_<pid>``, applies the schema, seeds it at
``--scale`` (bench/seed.py) and drops it at the end unless ``--keep``; with ``--database``
it uses that (seeded) database. Logging in writes what a login writes: a session and an
audit row.

Every page is asked for through Django's test client, logged in as an active super_admin,
the way the browser asks for it: for each table of the admin index, its list; the list
searched for the newest row's value of the first search field; each filter's first choice
and the date navigation's first link at each level (the links the rendered page shows);
a page halfway through the list; and, for the audit log, a search by JSON containment
(``{"account_id": N}``) and by any text. Server time is the client call's wall clock
(middleware, view, queries, template). Each page is timed ``--runs`` times after one
warm-up; reported: the median and the slowest, and the number of SQL statements. The target
is 300 ms; a miss is reported, never turned into a failing exit status. Results go to
``bench/results/admin_pages.txt``, or ``admin_pages_timescaledb.txt`` where trades and
order_history are hypertables.
"""

import html
import re
import statistics
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

from common import (
    BenchError,
    Server,
    environment_lines,
    say,
    setup_django,
    timed,
    write_results,
)
from seed import measure_main

TARGET_MS = 300.0
RUNS = 10
FILTERS = re.compile(r'<details data-filter-title="([^"]*)".*?</details>', re.S)
LINK = re.compile(r'<a href="(\?[^"]*)"')
DATE_LINKS = re.compile(r'<nav class="toplinks">(.*?)</nav>', re.S)
PAGE_LINKS = re.compile(r'<p class="paginator">(.*?)</p>', re.S)


@dataclass(frozen=True)
class Page:
    name: str
    url: str


@dataclass(frozen=True)
class Timing:
    page: Page
    median_ms: float
    slowest_ms: float
    queries: int
    status: int
    runs: int

    @property
    def passed(self) -> bool:
        return self.status == 200 and self.slowest_ms <= TARGET_MS


def links(pattern: re.Pattern[str], page_html: str) -> list[str]:
    found = pattern.search(page_html)
    return [html.unescape(link) for link in LINK.findall(found.group(1))] if found else []


def pages_of(client, base: str, label: str, search_term: str | None) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    """The list, its search, each filter's first choice, the date links and a deep page."""
    yield Page(label, base)
    page_html = client.get(base).content.decode()
    if search_term:
        yield Page(
            f"{label}, searched for {search_term!r}", f"{base}?{urlencode({'q': search_term})}"
        )
    for title, section in ((m.group(1), m.group(0)) for m in FILTERS.finditer(page_html)):
        choices = [html.unescape(link) for link in LINK.findall(section)]
        if len(choices) > 1:
            yield Page(f"{label}, filtered by {html.unescape(title)}", base + choices[1])
    level_html, level = page_html, 0
    while (dates := links(DATE_LINKS, level_html)) and level < 3:
        level += 1
        first = dates[-1] if level == 1 else dates[1] if len(dates) > 1 else dates[0]
        yield Page(f"{label}, date level {level}", base + first)
        level_html = client.get(base + first).content.decode()
    numbers = [int(n) for n in re.findall(r"[?&]p=(\d+)", " ".join(links(PAGE_LINKS, page_html)))]
    if numbers and max(numbers) > 2:
        yield Page(
            f"{label}, page {max(numbers) // 2} of {max(numbers)}", f"{base}?p={max(numbers) // 2}"
        )


def time_page(client, page: Page, runs: int) -> Timing:  # type: ignore[no-untyped-def]
    from django.db import connection

    statements: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        status = client.get(page.url).status_code
    seconds = timed(lambda: client.get(page.url), runs)
    return Timing(
        page,
        statistics.median(seconds) * 1000,
        max(seconds) * 1000,
        len(statements),
        status,
        runs,
    )


def search_term(model_admin) -> str | None:  # type: ignore[no-untyped-def]
    """The newest row's value of the first search field that is not the primary key."""
    model = model_admin.model
    fields = [f for f in model_admin.search_fields if f not in (model._meta.pk.name, "details")]
    if not fields:
        return None
    value = model._default_manager.order_by("-pk").values_list(fields[0], flat=True)[:1]
    return str(value[0]) if value else None


def audit_pages(base: str) -> list[Page]:
    from adminpanel.models import AdminAuditLog

    newest = AdminAuditLog.objects.filter(resource_type="account").order_by("-pk")
    account = newest.values_list("resource_id", flat=True)[:1][0]
    containing = urlencode({"q": f'{{"account_id": {account}}}'})
    return [
        Page('audit log, details containing {"account_id": N}', f"{base}?{containing}"),
        Page("audit log, any text in details", f"{base}?q=RTX{10_000_000 + account}"),
    ]


def measure_pages(server: Server, dbname: str, *, runs: int = RUNS) -> list[Timing]:
    setup_django(server, dbname)
    from django.apps import apps
    from django.contrib import admin
    from django.test import Client

    from adminpanel.models import AdminUser

    user = AdminUser.objects.filter(role="super_admin", status="ACTIVE").order_by("pk").first()
    if user is None:
        raise BenchError(f"{dbname} has no active super_admin to log in as")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    timings = []
    registered = [model for model in apps.get_models() if admin.site.is_registered(model)]
    for model in sorted(registered, key=lambda model: model._meta.db_table):
        model_admin = admin.site.get_model_admin(model)
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        label = model._meta.db_table
        pages = list(pages_of(client, base, label, search_term(model_admin)))
        if label == "admin_audit_log":
            pages += audit_pages(base)
        for page in pages:
            timing = time_page(client, page, runs)
            timings.append(timing)
            say(
                f"{page.name}: median {timing.median_ms:.0f} ms, slowest {timing.slowest_ms:.0f}"
                f" ms, {timing.queries} queries"
            )
    correlations = Page("symbol_correlations", "/admin/risk/symbolcorrelation/")
    timings.append(time_page(client, correlations, runs))
    return timings


def report_lines(timings: list[Timing]) -> list[str]:
    width = max(len(t.page.name) for t in timings) + 2
    lines = [
        f"{timings[0].runs} runs per page after one warm-up; server time in ms (Django's test"
        f" client); target: the slowest run <= {TARGET_MS:g} ms",
        "",
        f"{'page':<{width}}{'median':>8}{'slowest':>9}{'queries':>9}  result",
    ]
    for t in timings:
        verdict = "PASS" if t.passed else f"FAIL (HTTP {t.status})" if t.status != 200 else "FAIL"
        figures = f"{t.median_ms:>8.0f}{t.slowest_ms:>9.0f}{t.queries:>9}"
        lines.append(f"{t.page.name:<{width}}{figures}  {verdict}")
    passed = sum(t.passed for t in timings)
    lines += ["", f"{passed} of {len(timings)} pages within {TARGET_MS:g} ms.", "", "URLs:"]
    lines += [f"  {t.page.name}: {t.page.url}" for t in timings]
    return lines


def hypertables() -> tuple[str, ...]:
    """The tables TimescaleDB keeps as hypertables, on Django's database."""
    from django.db import connection

    from rtx.db import timescale

    with connection.cursor() as cursor:
        return timescale.state(cursor).hypertables


def write_report(server: Server, dbname: str, timings: list[Timing]) -> None:
    """``admin_pages.txt``, or ``admin_pages_timescaledb.txt`` where there are hypertables."""
    kept = hypertables()
    write_results(
        "admin_pages_timescaledb" if kept else "admin_pages",
        "rtx-schema benchmark: back-office pages (bench/admin_pages.py)",
        [
            *environment_lines(server, dbname),
            "TimescaleDB: hypertables " + ", ".join(kept) if kept else "TimescaleDB: not in use",
        ],
        report_lines(timings),
    )


def main(argv: list[str] | None = None) -> int:
    def measure(server: Server, dbname: str, runs: int) -> None:
        write_report(server, dbname, measure_pages(server, dbname, runs=runs))

    return measure_main(
        argv,
        doc=__doc__,
        script="admin_pages",
        runs=RUNS,
        runs_help="timed runs per page",
        measure=measure,
    )


if __name__ == "__main__":
    sys.exit(main())
