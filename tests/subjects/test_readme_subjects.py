"""The README's subject access block, run as written against the service."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from tests.subjects.seeding import appraisal
from tests.support.api import Api
from tests.support.readme import run_script, section_block


@pytest.mark.skipif(shutil.which("jq") is None, reason="the README's examples need jq, as they say")
async def test_the_readme_subject_access_block_runs_as_written(api: Api, tmp_path: Path) -> None:
    made = await appraisal(api, "GMC-7654321", "AP-SAR")
    assert (await api.post(f"/v1/appraisals/{made['id']}/close")).status == 200
    lines = await run_script(api, section_block("Subject access and erasure"), tmp_path)
    assert json.loads(lines[0]) == {"appraisals": [made["id"]], "candidacies": [], "answered": []}
    names = zipfile.ZipFile(tmp_path / "export.zip").namelist()
    assert names == ["README.txt", "export.json", f"reports/appraisal-{made['id']}.html"]
    assert any(f"reports/appraisal-{made['id']}.html" in line for line in lines[1:])
