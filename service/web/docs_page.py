"""Renders openapi.yaml as one self-contained HTML page (no scripts, no external assets)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

METHODS = ("get", "put", "post", "patch", "delete")
STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2733;background:#fff}
main{max-width:960px;margin:0 auto;padding:24px}
h1{color:#005eb8}h2{border-bottom:2px solid #005eb8;padding-bottom:4px;margin-top:40px}
.op{border:1px solid #d8dde0;border-radius:6px;margin:14px 0;padding:10px 14px}
.m{display:inline-block;min-width:58px;font-weight:700;text-transform:uppercase;color:#fff;
border-radius:4px;padding:1px 8px;margin-right:8px;text-align:center}
.get{background:#007f3b}.post{background:#005eb8}.put{background:#7c2855}.delete{background:#d5281b}
.patch{background:#ed8b00}code,pre{font:13px/1.4 ui-monospace,monospace}
pre{background:#f0f4f5;padding:10px;overflow:auto;border-radius:4px}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #e8edee;padding:4px 6px;
text-align:left;vertical-align:top}nav a{margin-right:12px}.scope{color:#7c2855}
"""


def render(spec: dict[str, Any]) -> str:
    info = spec.get("info", {})
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                op = item[method]
                by_tag.setdefault((op.get("tags") or ["other"])[0], []).append((method, path, op))
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(info.get('title', 'API'))}</title>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<style>{STYLE}</style></head><body><main>",
        f"<h1>{escape(info.get('title', 'API'))} <small>{escape(str(info.get('version', '')))}</small></h1>",
        _text(info.get("description", "")),
        "<p>The machine-readable contract is at <a href='/openapi.yaml'>/openapi.yaml</a>.</p>",
        "<nav>" + "".join(f"<a href='#tag-{escape(t)}'>{escape(t)}</a>" for t in by_tag) + "</nav>",
    ]
    for tag, ops in by_tag.items():
        parts.append(f"<h2 id='tag-{escape(tag)}'>{escape(tag)}</h2>")
        parts.extend(_operation(m, p, op) for m, p, op in ops)
    schemas = spec.get("components", {}).get("schemas", {})
    if schemas:
        parts.append("<h2 id='schemas'>Schemas</h2>")
        for name, schema in schemas.items():
            parts.append(f"<details id='schema-{escape(name)}'><summary><code>{escape(name)}</code>"
                         f"</summary><pre>{escape(json.dumps(schema, indent=2))}</pre></details>")
    parts.append("</main></body></html>")
    return "".join(parts)


def _text(text: str) -> str:
    return "".join(f"<p>{escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def _ref(schema: dict[str, Any] | None) -> str:
    if not schema:
        return ""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"<a href='#schema-{escape(name)}'><code>{escape(name)}</code></a>"
    return f"<code>{escape(json.dumps(schema))}</code>"


def _operation(method: str, path: str, op: dict[str, Any]) -> str:
    rows = []
    for param in op.get("parameters", []):
        if "$ref" in param:
            continue
        rows.append(f"<tr><td><code>{escape(param['name'])}</code></td><td>{escape(param['in'])}</td>"
                    f"<td>{_ref(param.get('schema'))}</td><td>{escape(param.get('description', ''))}</td></tr>")
    body = op.get("requestBody", {}).get("content", {})
    responses = "".join(
        f"<tr><td>{escape(str(code))}</td><td>{escape(r.get('description', ''))}</td><td>"
        + " ".join(f"{escape(ct)} {_ref(c.get('schema'))}" for ct, c in r.get("content", {}).items())
        + "</td></tr>"
        for code, r in op.get("responses", {}).items() if "$ref" not in r)
    scopes = [s for req in op.get("security", []) for ss in req.values() for s in ss]
    return "".join([
        f"<div class='op' id='{escape(op.get('operationId', ''))}'>",
        f"<div><span class='m {method}'>{method}</span><code>{escape(path)}</code> ",
        f"{escape(op.get('summary', ''))}</div>",
        f"<p class='scope'>Scope: <code>{escape(', '.join(scopes))}</code></p>" if scopes else "",
        _text(op.get("description", "")),
        ("<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>About</th></tr>" + "".join(rows)
         + "</table>") if rows else "",
        ("<p>Body: " + " ".join(f"{escape(ct)} {_ref(c.get('schema'))}" for ct, c in body.items())
         + "</p>") if body else "",
        f"<table><tr><th>Status</th><th>Meaning</th><th>Body</th></tr>{responses}</table>",
        "</div>",
    ])
