"""The contract as served: openapi.yaml with every JSON Schema it takes from schemas/ inlined under
components/schemas, so that a validator or a client generator reading /openapi.json (or /openapi.yaml)
needs nothing else. The files in the repository stay the source; this is built once at start-up."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from service.config import ROOT
from service.jsontext import dumps_bytes

SPEC_PATH = ROOT / "openapi.yaml"
COMPONENTS = "#/components/schemas/"
METHODS = ("get", "put", "post", "patch", "delete")  # the operations of a path item
# Keywords that place a schema at its own address: once inlined it lives in the contract instead.
_PLACEMENT = ("$id", "$schema")


def bundle(spec_path: Path = SPEC_PATH) -> dict[str, Any]:
    """The OpenAPI document with no reference outside itself.

    A component whose whole body is a reference to a file becomes that file's schema; any other
    reference to a file adds the file's schema as a component named after it (`scorecard-put.json`:
    `ScorecardPut`). References inside an inlined schema (`#/$defs/...`) are rewritten to its place
    under components/schemas.
    """
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    base = spec_path.resolve().as_uri()
    resolver = Registry(retrieve=_retrieve_under(spec_path.resolve().parent)).resolver(base_uri=base)
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    names = {urljoin(base, schema["$ref"]): name for name, schema in components.items()
             if isinstance(schema, dict) and set(schema) == {"$ref"} and not schema["$ref"].startswith("#")}
    inlined: set[str] = set()

    def component_for(uri: str) -> str:
        """The component that holds the schema of the file at `uri`, inlined on first use."""
        if uri not in names:
            names[uri] = _component_name(uri, taken=set(components) | set(names.values()))
        if uri not in inlined:
            inlined.add(uri)
            schema = copy.deepcopy(resolver.lookup(uri).contents)
            for keyword in _PLACEMENT:
                schema.pop(keyword, None)
            # Generators name a model after its schema's title: the component's name is the better one
            # (ScorecardPut, not "One panellist's scorecard for one station"), so the title leads the
            # description instead.
            if "title" in schema:
                title = schema.pop("title")
                schema["description"] = f"{title}. {schema['description']}" if "description" in schema else title
            components[names[uri]] = local(schema, uri, COMPONENTS + names[uri])
        return names[uri]

    def local(node: Any, node_base: str, root: str) -> Any:
        """`node` with its references made local: to another file, by inlining that file; within its
        own file (an inlined schema's `#/...`), relative to where the file's schema now sits."""
        if isinstance(node, list):
            return [local(item, node_base, root) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: local(value, node_base, root) for key, value in node.items()}
        if isinstance(node.get("$ref"), str):
            target, fragment = urldefrag(urljoin(node_base, node["$ref"]))
            if target == node_base:
                out["$ref"] = root + fragment
            elif target == base:
                out["$ref"] = "#" + fragment
            else:
                out["$ref"] = COMPONENTS + component_for(target) + fragment
        return out

    for uri in list(names):
        component_for(uri)
    for name in list(components):
        if name not in names.values():
            components[name] = local(components[name], base, "#")
    for key in spec:
        if key != "components":
            spec[key] = local(spec[key], base, "#")
    for key in spec["components"]:
        if key != "schemas":
            spec["components"][key] = local(spec["components"][key], base, "#")
    return spec


class ServedContract(NamedTuple):
    json: bytes  # what /openapi.json answers
    yaml: str  # what /openapi.yaml answers
    query_parameters: dict[tuple[str, str], frozenset[str]]  # see query_parameters()


@cache
def served() -> ServedContract:
    """The contract as this process serves it, built once: the files do not change while it runs (bundling
    and the YAML text take a few hundred milliseconds, which every application instance would repeat)."""
    contract = bundle()
    return ServedContract(dumps_bytes(contract), yaml.safe_dump(contract, sort_keys=False, allow_unicode=True,
                                                                width=120), query_parameters(contract))


def query_parameters(contract: dict[str, Any]) -> dict[tuple[str, str], frozenset[str]]:
    """The query parameters each operation takes, by (METHOD, path template): the one list the gateway
    holds requests to, so a parameter the contract does not name is refused, not silently ignored."""
    shared = contract.get("components", {}).get("parameters", {})

    def names(parameters: list[dict[str, Any]]) -> set[str]:
        found = (shared[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p for p in parameters)
        return {p["name"] for p in found if p["in"] == "query"}
    out = {}
    for path, item in contract.get("paths", {}).items():
        for method, op in item.items():
            if method in METHODS:
                taken = frozenset(names(item.get("parameters", [])) | names(op.get("parameters", [])))
                out[method.upper(), path] = taken
                if method == "get":
                    out["HEAD", path] = taken
    return out


def _retrieve_under(folder: Path) -> Callable[[str], Resource]:
    """Retrieve `file:` URIs of JSON files under `folder` (the contract's own folder), nothing else."""
    def retrieve(uri: str) -> Resource:
        parsed = urlparse(uri)
        path = Path(unquote(parsed.path)).resolve()
        if parsed.scheme != "file" or folder not in path.parents or path.suffix != ".json":
            raise LookupError(f"{uri} is not a JSON Schema file beside the contract")
        return Resource.from_contents(json.loads(path.read_text(encoding="utf-8")),
                                      default_specification=DRAFT202012)
    return retrieve


def _component_name(uri: str, taken: set[str]) -> str:
    stem = Path(urlparse(uri).path).stem
    name = "".join(part[:1].upper() + part[1:] for part in stem.replace("_", "-").split("-") if part)
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    return candidate
