"""/docs in a real browser, with the network limited to the service: every operation, parameter,
response code and the webhooks section are on the page, and its text is rendered, not raw Markdown."""

from __future__ import annotations

import json
import re
from pathlib import Path

from service.web.contract import METHODS, bundle
from tests.support.api import Api
from tests.support.browser import browser, offline_page

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".data" / "screenshots"


def operations(contract: dict) -> list[tuple[str, str, dict]]:
    return [(method, path, item[method]) for path, item in contract["paths"].items() for method in METHODS
            if method in item]


def parameter_names(contract: dict, op: dict, item: dict) -> list[str]:
    names = []
    for p in [*item.get("parameters", []), *op.get("parameters", [])]:
        if "$ref" in p:
            p = contract["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
        names.append(p["name"])
    return names


async def test_every_operation_parameter_response_and_webhook_is_on_the_page(anon: Api) -> None:
    contract = json.loads((await anon.get("/openapi.json")).text)
    base = str(anon.client.make_url("/"))
    outside: list[str] = []
    async with browser() as chromium:
        page = await offline_page(chromium, outside)
        await page.goto(base + "docs")
        await page.wait_for_selector(".opblock-summary", timeout=30_000)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / "docs.png"))
        # Open every operation (the page lists them collapsed), then read what each one shows.
        for summary in await page.query_selector_all(".opblock .opblock-summary-control"):
            await summary.click()
        await page.wait_for_function(
            "n => document.querySelectorAll('.opblock .responses-table').length >= n",
            arg=len(operations(contract)) + len(contract["webhooks"]), timeout=30_000)
        blocks = await page.eval_on_selector_all(".opblock", """blocks => blocks.map(b => ({
            method: b.querySelector('.opblock-summary-method')?.innerText.toLowerCase(),
            path: b.querySelector('.opblock-summary-path, .opblock-summary-path__deprecated')
                   ?.getAttribute('data-path'),
            text: b.innerText}))""")
        text = await page.inner_text(".swagger-ui")
    by_operation = {(b["method"], b["path"]): b["text"] for b in blocks if b["path"]}
    for method, path, op in operations(contract):
        shown = by_operation.get((method, path))
        assert shown is not None, f"{method.upper()} {path} is not on the page"
        for name in parameter_names(contract, op, contract["paths"][path]):
            assert name in shown, f"{method.upper()} {path}: parameter {name} is not shown"
        for code in op["responses"]:
            assert re.search(rf"(?m)^{code}\b", shown), f"{method.upper()} {path}: response {code} is not shown"
    assert "Webhooks" in text
    for name, item in contract["webhooks"].items():
        assert name in text and item["post"]["summary"] in text
    assert outside == []  # nothing was asked of any host but the service
    assert "`" not in text  # descriptions are rendered Markdown, not printed raw


def test_the_page_reads_the_bundled_contract() -> None:
    script = (Path(__file__).resolve().parents[2] / "service" / "web" / "static" / "docs.js").read_text()
    assert 'url: "/openapi.json"' in script and "validatorUrl: null" in script
    assert bundle()["paths"]["/docs"]
