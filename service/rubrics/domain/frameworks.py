"""Leadership frameworks (MLCF, LF, HLM) as values: domains, elements, crosswalks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Element:
    id: str
    name: str
    definition: str
    domain_id: str


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    document: dict[str, Any]
    elements: dict[str, Element] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)  # domain id -> name
    crosswalk: dict[str, tuple[str, ...]] = field(default_factory=dict)  # MLCF element -> ids here

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Framework:
        elements = {
            e["id"]: Element(e["id"], e["name"], e["definition"], d["id"])
            for d in doc["domains"] for e in d.get("elements", [])
        }
        return cls(
            id=doc["id"], name=doc["name"], document=doc, elements=elements,
            domains={d["id"]: d["name"] for d in doc["domains"]},
            crosswalk={k: tuple(v) for k, v in doc.get("crosswalk", {}).items()},
        )


def framework_issues(doc: dict[str, Any], mlcf: Framework | None) -> list[tuple[str, str]]:
    """Semantic problems of a framework file, as (JSON pointer, message)."""
    issues: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for di, domain in enumerate(doc["domains"]):
        for ei, element in enumerate(domain.get("elements", [])):
            pointer = f"/domains/{di}/elements/{ei}/id"
            if element["id"] in seen:
                issues.append((pointer, f"element id {element['id']} is used twice (also at {seen[element['id']]})"))
            seen[element["id"]] = pointer
            if element["id"].split(".")[0] != domain["id"]:
                issues.append((pointer, f"element {element['id']} does not belong to domain {domain['id']}"))
    targets = set(seen) | {d["id"] for d in doc["domains"]}
    for source, ids in doc.get("crosswalk", {}).items():
        if mlcf is not None and source not in mlcf.elements:
            issues.append((f"/crosswalk/{source}", f"{source} is not an MLCF element"))
        issues.extend((f"/crosswalk/{source}", f"{t} is not an element or domain of {doc['id']}")
                      for t in ids if t not in targets)
    if doc["id"] == "mlcf" and len(seen) != 20:
        issues.append(("/domains", f"the MLCF has 20 elements; this file has {len(seen)}"))
    return issues
