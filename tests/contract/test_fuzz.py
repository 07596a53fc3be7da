"""Every operation of the served contract fuzzed by schemathesis against the live app on 127.0.0.1: valid and
invalid requests from the contract's own schemas, authenticated, with the ids of real objects where the path
names one. No response may be a 5xx, fall outside the contract (status, content type, headers, body), or be
an error that is not problem+json; invalid data must be refused.

Two passes: every phase (examples, coverage, fuzzing, stateful) from one seed, then the coverage and fuzzing
phases again from another. Bounded: FUZZ_EXAMPLES cases per operation and phase (default 50); each pass must
end within FUZZ_SECONDS (300).
The app runs no delivery worker, so no webhook URL the fuzzer invents is ever connected to."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

from tests.recruitment.recruitment_support import new_candidate
from tests.support.api import Api

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 50))
SECONDS = int(os.environ.get("FUZZ_SECONDS", 300))
# Left out: positive_data_acceptance, which expects every schema-valid request to succeed (the contract's
# schemas cannot say which rubric ids, cursors or idempotency keys exist, so those are rightly refused); and
# ensure_resource_availability, which expects what a create answered to exist, while an idempotent replay of
# a create answers the original response even after the object was deleted, as a replay must.
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
          "response_schema_conformance,negative_data_rejection,missing_required_header,unsupported_method,"
          "use_after_free,ignored_auth")


async def _objects(api: Api) -> dict[str, str]:
    """One object of each kind, so that fuzzed requests reach more than the 404 of an unknown id."""
    _, campaign, _ = await new_candidate(api)
    appraisal = (await api.post("/v1/appraisals", {"subject_ref": "dr-fuzz", "cycle": "2026",
                                                   "rubric_id": "mlcf-360"})).json
    survey = (await api.post("/v1/surveys", {"reference": "FUZZ", "title": "Fuzz", "rubric_id": "engagement-survey"})
              ).json
    endpoint = (await api.post("/v1/webhook-endpoints", {"url": "http://127.0.0.1:9/hooks",
                                                         "events": ["campaign.finalised"]})).json
    source = (await api.post("/v1/webhook-sources", {"name": "fuzz"})).json
    assert all("id" in o for o in (appraisal, survey, endpoint, source)), (appraisal, survey, endpoint, source)
    return {"campaign_id": campaign["id"], "appraisal_id": appraisal["id"], "survey_id": survey["id"],
            "earlier_id": survey["id"], "endpoint_id": endpoint["id"], "source_id": source["id"]}


PASSES = {
    "every phase": ("examples,coverage,fuzzing,stateful", 2026),
    # a second pass of the generated phases alone, from another seed: more and different hostile input
    "coverage and fuzzing": ("coverage,fuzzing", 29),
}


@pytest.mark.parametrize("run", list(PASSES))
async def test_every_operation_answers_within_the_contract_under_fuzzing(api: Api, client, make_token,
                                                                         tmp_path: Path, run: str) -> None:
    phases, seed = PASSES[run]
    token = await make_token()
    ids = await _objects(api)
    config = tmp_path / "schemathesis.toml"
    config.write_text("[parameters]\n" + "".join(f'"path.{k}" = "{v}"\n' for k, v in ids.items()))
    base = str(client.make_url("")).rstrip("/")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", f"{base}/openapi.json",
        "--header", f"Authorization: Bearer {token}", "--checks", CHECKS, "--max-examples", str(EXAMPLES),
        "--phases", phases, "--seed", str(seed), "--workers", "1", "--no-color", "--warnings", "off",
        "--request-timeout", "20",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path,
        env={**os.environ, "NO_PROXY": "*", "no_proxy": "*"})
    output, _ = await asyncio.wait_for(proc.communicate(), timeout=SECONDS)
    text = output.decode(errors="replace")
    assert token not in text
    cases = re.search(r"(\d+) generated", text)
    tested = re.search(r"Tested: (\d+)", text)
    assert proc.returncode == 0, text[-20000:]
    assert cases and int(cases.group(1)) > 2000, text[-3000:]
    methods = {"get", "put", "post", "delete", "patch"}
    paths = (await api.get("/openapi.json")).json["paths"]
    documented = sum(1 for item in paths.values() for m in item if m in methods)
    # every operation but GET /openapi.json, the document schemathesis reads the operations from
    assert tested and int(tested.group(1)) == documented - 1, text[-3000:]
    print(f"fuzz ({run}): {cases.group(1)} cases over {tested.group(1)} operations")
