"""[layers.NAME]: built from requirements for Lambda's platform, published when the content
changed, attached to the functions that name it, deleted on destroy. Against moto, with
pip pointed at the offline wheelhouse (conftest.py): no network.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import botocore.client
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from lambdactl import layers as lm
from lambdactl import package as pk
from lambdactl.config import Layer, load
from lambdactl.errors import ConfigError, OwnershipError
from tests import test_staging
from tests.test_provision import client, run, writes

params = test_staging.params   # every API call's parameters, by operation

LAYER = "lambdactl-demo-plotting"
PLOT = "lambdactl-demo-plot"
SHA = "A" * 43 + "="

CONFIG = """\
[project]
name = "lambdactl-demo"
region = "us-east-1"

[layers.plotting]
requirements = "layers/plotting/requirements.txt"
description = "plotting libraries"

[functions.plot]
source = "functions/plot"
handler = "app.lambda_handler"
runtime = "python3.12"
layers = ["plotting"]
"""


@pytest.fixture
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wheelhouse: Path) -> Path:
    """A plotting function and its layer; pip sees only the wheelhouse."""
    (tmp_path / "functions/plot").mkdir(parents=True)
    (tmp_path / "functions/plot/app.py").write_text(
        "import plotlib\n\ndef lambda_handler(event, context):\n    return plotlib.VERSION\n")
    (tmp_path / "layers/plotting").mkdir(parents=True)
    (tmp_path / "layers/plotting/requirements.txt").write_text("plotlib==1.0\n")
    (tmp_path / "lambdactl.toml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    return tmp_path


@pytest.fixture
def aws(proj: Path) -> Iterator[None]:
    with mock_aws():
        yield


def edit(proj: Path, old: str, new: str) -> None:
    toml = proj / "lambdactl.toml"
    assert old in toml.read_text()
    toml.write_text(toml.read_text().replace(old, new))


def layer_arns(name: str = PLOT) -> list[str]:
    return [x["Arn"] for x in client("lambda").get_function(FunctionName=name)["Configuration"]["Layers"]]


def versions(name: str = LAYER) -> list[dict]:
    return client("lambda").list_layer_versions(LayerName=name)["LayerVersions"]


def foreign_version(name: str) -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("python/x.py", "X = 1\n")
    return client("lambda").publish_layer_version(
        LayerName=name, Content={"ZipFile": buf.getvalue()})["LayerVersionArn"]


# -- config: every mistake before any AWS call ----------------------------------------
@pytest.mark.parametrize(("old", "new", "message"), [
    ('layers = ["plotting"]', 'layers = ["plottin"]',
     "'plottin' is not a layer version ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION) nor a "
     "layer of this file; known layers: plotting"),
    ("[layers.plotting]", "[layers.\"plot ting\"]", "layers.plot ting: layer names use letters"),
    ("[layers.plotting]", "[layers." + "p" * 50 + "]", "chars; lambdactl allows 64"),
    ('requirements = "layers/plotting/requirements.txt"', 'requirements = "nope.txt"',
     "layers.plotting.requirements: file 'nope.txt' does not exist"),
    ('requirements = "layers/plotting/requirements.txt"\n', "",
     "layers.plotting.requirements: missing"),
    ('description = "plotting libraries"', 'runtimes = ["python3.11"]',
     "layers.plotting.runtimes: lacks python3.12, the runtime of functions.plot"),
    ('description = "plotting libraries"', 'runtimes = ["python2.7"]', "'python2.7' is not a supported"),
    ('description = "plotting libraries"', 'architecture = "arm64"',
     "layers.plotting.architecture: is arm64 but functions.plot is x86_64"),
    ('description = "plotting libraries"', 'description = "' + "d" * 200 + '"',
     "fit next to lambdactl's marker"),
    ('description = "plotting libraries"', 'colour = "red"', "unknown key 'colour'"),
    ('layers = ["plotting"]', 'layers = ["plotting", "plotting"]', "names a layer twice"),
    ('layers = ["plotting"]', 'layers = ["plotting"' + ', "arn:aws:lambda:us-east-1:123456789012:layer:x:1"' * 5 + "]",
     "at most 5 layers"),
])
def test_config_errors_one_line_exit_2_no_calls(proj: Path, calls: Counter[str], old: str, new: str,
                                                 message: str) -> None:
    edit(proj, old, new)
    r = run("up", code=2)
    assert r.stderr.startswith("error: lambdactl.toml:") and message in r.stderr, r.stderr
    assert sum(calls.values()) == 0


def test_functions_disagreeing_on_architecture(proj: Path) -> None:
    (proj / "lambdactl.toml").write_text(CONFIG + """
[functions.plot-arm]
source = "functions/plot"
handler = "app.lambda_handler"
architecture = "arm64"
layers = ["plotting"]
""")
    with pytest.raises(ConfigError) as exc:
        load()
    assert ("layers.plotting.architecture: the functions using it disagree: functions.plot (x86_64), "
            "functions.plot-arm (arm64)") in str(exc.value)


def test_defaults_come_from_the_functions(proj: Path) -> None:
    (proj / "lambdactl.toml").write_text(CONFIG.replace('runtime = "python3.12"', 'runtime = "python3.11"\narchitecture = "arm64"') + """
[functions.other]
source = "functions/plot"
handler = "app.lambda_handler"
runtime = "python3.13"
architecture = "arm64"
layers = ["arn:aws:lambda:us-east-1:123456789012:layer:x:1", "plotting"]
""")
    project = load()
    (layer,) = project.layers
    assert layer == Layer("plotting", LAYER, proj / "layers/plotting/requirements.txt",
                          ("python3.11", "python3.13"), "arm64", "plotting libraries")
    assert project.functions[1].layers == ("arn:aws:lambda:us-east-1:123456789012:layer:x:1", "plotting")


# -- build: platform, prefix, determinism ----------------------------------------------
def test_build_is_deterministic_cached_and_prefixed(tmp_path: Path, wheelhouse: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("plotlib==1.0\n")
    one = Layer("plotting", LAYER, req, ("python3.12",))
    opts = {"pip_options": ("--find-links", str(wheelhouse), "--no-index")}
    a = lm.build(one, tmp_path / "b", **opts)
    b = lm.build(one, tmp_path / "b", **opts)
    assert (a.deps, b.deps) == ("miss", "hit") and a.path.read_bytes() == b.path.read_bytes()
    names = zipfile.ZipFile(a.path).namelist()
    assert "python/plotlib/__init__.py" in names and all(n.startswith("python/") for n in names)

    # Several runtimes: one site-packages each, where Lambda's Python looks in /opt.
    two = Layer("plotting", LAYER, req, ("python3.11", "python3.12"))
    names = zipfile.ZipFile(lm.build(two, tmp_path / "b", **opts).path).namelist()
    assert {"python/lib/python3.11/site-packages/plotlib/__init__.py",
            "python/lib/python3.12/site-packages/plotlib/__init__.py"} <= set(names)


def test_no_wheel_for_the_layer_platform_is_clear(tmp_path: Path, wheelhouse: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("nativelib==2.0\n")   # only a cp312 x86_64 wheel exists
    with pytest.raises(ConfigError, match="layers.plotting: no wheel of nativelib==2.0 for Lambda's platform manylinux2014_aarch64"):
        lm.build(Layer("plotting", LAYER, req, ("python3.12",), "arm64"), tmp_path / "b",
                 pip_options=("--find-links", str(wheelhouse), "--no-index"))


# -- decide: pure ----------------------------------------------------------------------------
def version(n: int, project: str | None = "p", sha: str | None = SHA, runtimes=("python3.12",),
            archs=("x86_64",)) -> lm.Version:
    return lm.Version(n, f"arn:aws:lambda:us-east-1:1:layer:p-l:{n}", project, sha, runtimes, archs)


def test_decide() -> None:
    layer = Layer("l", "p-l", Path("r"), ("python3.12",))
    assert lm.decide(layer, SHA, [], "p", set()).action == "create"
    keep = lm.decide(layer, SHA, [version(3), version(2, sha="B" * 43 + "=")], "p", set())
    assert (keep.action, keep.arn) == ("keep", "arn:aws:lambda:us-east-1:1:layer:p-l:3")
    assert lm.decide(layer, "C" * 43 + "=", [version(3)], "p", set()).fields == ("content",)
    assert lm.decide(layer, SHA, [version(3, runtimes=("python3.11",))], "p", set()).fields == ("runtimes",)
    assert lm.decide(layer, SHA, [version(3, archs=("arm64",))], "p", set()).fields == ("architecture",)
    # A version without our marker is ours only if the journal says so.
    assert lm.decide(layer, SHA, [version(1, None, None)], "p", {1}).fields == ("content",)
    for squatter in (version(1, None, None), version(1, "other-project")):
        with pytest.raises(OwnershipError, match="versions lambdactl did not publish for p"):
            lm.decide(layer, SHA, [version(2), squatter], "p", set())


def test_marker_round_trip() -> None:
    layer = Layer("l", "p-l", Path("r"), ("python3.12",), description="my libs")
    text = lm.description(layer, "my-proj", SHA)
    assert text == f"my libs [lambdactl:my-proj sha256:{SHA}]"
    m = lm.MARKER.search(text)
    assert m and (m["project"], m["sha"]) == ("my-proj", SHA)
    assert len(lm.description(Layer("l", "p-l", Path("r"), (), description="d" * (256 - lm.marker_length("x" * 40))),
                              "x" * 40, SHA)) == 256


# -- up / plan / destroy against moto -----------------------------------------------------
def test_first_up_publishes_and_attaches(aws: None, proj: Path) -> None:
    out = json.loads(run("-o", "json", "up").stdout)
    (v,) = versions()
    assert v["CompatibleRuntimes"] == ["python3.12"] and v["CompatibleArchitectures"] == ["x86_64"]
    assert v["Description"].startswith("plotting libraries [lambdactl:lambdactl-demo sha256:")
    assert layer_arns() == [v["LayerVersionArn"]]
    (fn,) = out["functions"]
    assert fn["layers"] == [v["LayerVersionArn"]]
    assert ("layer", LAYER, "create") in {(s["kind"], s["name"], s["action"]) for s in fn["steps"]}
    body = client("lambda").get_layer_version(LayerName=LAYER, VersionNumber=v["Version"])
    zip_path = proj / ".lambdactl/build/layers" / f"{LAYER}.zip"
    assert body["Content"]["CodeSha256"] == pk.file_sha256(zip_path)
    assert "python/plotlib/__init__.py" in zipfile.ZipFile(zip_path).namelist()
    state = json.loads((proj / ".lambdactl/state.json").read_text())
    (target,) = state["targets"].values()
    entry = target["resources"][f"layer:{LAYER}"]
    assert (entry["status"], entry["versions"]) == ("created", [v["Version"]])


def test_the_layer_zip_bypasses_botocores_serializer(aws: None, proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore base64s a blob, decodes it and json-dumps the body (0.3-0.5 s for 40 MB):
    zipsplice.py sends a placeholder through it and splices the zip's base64 into the
    serialized body; moto (parsing the body AWS gets) holds exactly the built zip."""
    from botocore.serialize import Serializer

    encoded: list[int] = []
    original = Serializer._get_base64
    monkeypatch.setattr(Serializer, "_get_base64", lambda self, v: encoded.append(len(v)) or original(self, v))
    run("up")
    (v,) = versions()
    zip_path = proj / ".lambdactl/build/layers" / f"{LAYER}.zip"
    content = client("lambda").get_layer_version(LayerName=LAYER, VersionNumber=v["Version"])["Content"]
    assert (content["CodeSha256"], content["CodeSize"]) == (pk.file_sha256(zip_path), zip_path.stat().st_size)
    assert 26 in encoded and zip_path.stat().st_size not in encoded   # the placeholder, never the zip


def test_up_encodes_the_layer_to_publish_while_its_reads_are_in_flight(
        aws: None, proj: Path, calls: Counter[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`up` (not `plan`) starts the zip's base64 in a thread before any write: before its
    ListLayerVersions when the journal knows no version of it with this hash, else once the
    read says a publish is due. The publish sends that, and the zip is not read again."""
    from lambdactl import zipsplice

    started: list[tuple[int, int]] = []   # (writes, ListLayerVersions) when the encoding started
    reads: list[Path] = []
    original, read = zipsplice.encoding, pk.Package.read
    monkeypatch.setattr(zipsplice, "encoding", lambda path: started.append(
        (sum(writes(calls).values()), calls["ListLayerVersions"])) or original(path))
    monkeypatch.setattr(pk.Package, "read", lambda self: reads.append(self.path) or read(self))
    run("plan")
    assert started == []
    calls.clear()
    run("up")
    zip_path = proj / ".lambdactl/build/layers" / f"{LAYER}.zip"
    assert started == [(0, 0)] and zip_path not in reads
    (v,) = versions()
    content = client("lambda").get_layer_version(LayerName=LAYER, VersionNumber=v["Version"])["Content"]
    assert (content["CodeSha256"], content["CodeSize"]) == (pk.file_sha256(zip_path), zip_path.stat().st_size)
    run("up")   # unchanged (the journal has its hash): nothing to publish, nothing encoded
    assert started == [(0, 0)]
    state = proj / ".lambdactl/state.json"
    doc = json.loads(state.read_text())
    (target,) = doc["targets"].values()
    target["resources"][f"layer:{LAYER}"].pop("sha256")   # a journal from before it kept the hash
    state.write_text(json.dumps(doc))                      # (or another hash): the read decides
    (proj / "layers/plotting/requirements.txt").write_text("plotlib==1.1\n")
    calls.clear()
    run("up")
    assert started == [(0, 0), (0, 1)]   # after its read, before any write
    assert len(versions()) == 2


def test_unchanged_layer_is_reused_with_zero_writes(aws: None, calls: Counter[str]) -> None:
    run("up")
    calls.clear()
    out = json.loads(run("-o", "json", "up").stdout)
    assert writes(calls) == {}
    assert calls["ListLayerVersions"] == 1
    assert len(versions()) == 1 and out["functions"][0]["status"] == "unchanged"
    assert out["functions"][0]["layers"] == layer_arns()
    plan = json.loads(run("-o", "json", "plan").stdout)
    assert plan["changes"] == 0
    assert {(s["kind"], s["action"]) for s in plan["steps"]} >= {("layer", "keep")}


def test_status_with_a_layer(aws: None, proj: Path) -> None:
    run("up")
    (doc,) = json.loads(run("-o", "json", "status").stdout)["functions"]
    assert doc["deployed"] and doc["drift"] == []
    (proj / "layers/plotting/requirements.txt").write_text("plotlib==1.1\n")
    (doc,) = json.loads(run("-o", "json", "status", code=1).stdout)["functions"]
    assert any(d.startswith(f"create layer {LAYER}") for d in doc["drift"]), doc["drift"]


def test_changed_requirements_republish_and_update_the_function(aws: None, proj: Path,
                                                                calls: Counter[str]) -> None:
    run("up")
    (first,) = layer_arns()
    (proj / "layers/plotting/requirements.txt").write_text("plotlib==1.1\n")
    plan = run("plan").stdout
    assert f"+ plot: create layer {LAYER}: publish a version after 1 (content changed)" in plan
    assert "~ plot: update function lambdactl-demo-plot (Layers)" in plan
    calls.clear()
    run("up")
    assert writes(calls) == {"PublishLayerVersion": 1, "UpdateFunctionConfiguration": 1}
    assert [v["Version"] for v in versions()] == [2, 1]
    assert layer_arns() == [first[:-1] + "2"]


def test_package_builds_the_layer_up_publishes(aws: None, proj: Path) -> None:
    out = json.loads(run("-o", "json", "package", "plot").stdout)
    (layer,) = out["layers"]
    assert (layer["layer"], layer["deps"], layer["runtimes"]) == ("plotting", "miss", ["python3.12"])
    run("up")
    (v,) = versions()
    published = client("lambda").get_layer_version(LayerName=LAYER, VersionNumber=v["Version"])
    assert published["Content"]["CodeSha256"] == layer["code_sha256"]


def test_layer_names_and_arns_mix_in_order(aws: None, proj: Path) -> None:
    other = foreign_version("someone-elses")
    edit(proj, 'layers = ["plotting"]', f'layers = ["{other}", "plotting"]')
    run("up")
    assert layer_arns() == [other, versions()[0]["LayerVersionArn"]]


def test_shared_layer_published_once(aws: None, proj: Path, calls: Counter[str]) -> None:
    (proj / "lambdactl.toml").write_text(CONFIG + """
[functions.plot2]
source = "functions/plot"
handler = "app.lambda_handler"
layers = ["plotting"]
""")
    plan = json.loads(run("-o", "json", "plan").stdout)
    layer_steps = [(s["function"], s["action"]) for s in plan["steps"] if s["kind"] == "layer"]
    assert layer_steps == [("plot", "create"), ("plot2", "keep")]
    run("up")
    assert writes(calls)["PublishLayerVersion"] == 1
    assert layer_arns(PLOT) == layer_arns(PLOT + "2") == [versions()[0]["LayerVersionArn"]]


def test_squatted_layer_name_is_refused_and_kept(aws: None, calls: Counter[str]) -> None:
    squatter = foreign_version(LAYER)
    calls.clear()
    r = run("up", code=1)
    assert f"error: layer {LAYER} has versions lambdactl did not publish for lambdactl-demo (1)" in r.stderr
    assert writes(calls) == {}
    run("destroy", "--yes")
    assert [v["LayerVersionArn"] for v in versions()] == [squatter]


def test_destroy_deletes_our_versions_only_and_twice_is_a_no_op(aws: None, proj: Path,
                                                                calls: Counter[str]) -> None:
    other = foreign_version("someone-elses")
    edit(proj, 'layers = ["plotting"]', f'layers = ["{other}", "plotting"]')
    run("up")
    (proj / "layers/plotting/requirements.txt").write_text("plotlib==1.1\n")
    run("up")
    assert len(versions()) == 2
    out = json.loads(run("-o", "json", "destroy", "--yes").stdout)
    assert {d["name"] for d in out["deleted"] if d["kind"] == "layer"} == {f"{LAYER}:1", f"{LAYER}:2"}
    assert versions() == []
    assert [v["LayerVersionArn"] for v in versions("someone-elses")] == [other]
    assert client("lambda").list_functions()["Functions"] == []
    assert not (proj / ".lambdactl/state.json").exists() or "layer:" not in (proj / ".lambdactl/state.json").read_text()
    calls.clear()
    r = run("destroy", "--yes")
    assert "nothing to remove" in r.stderr
    assert writes(calls) == {}


def failing(monkeypatch: pytest.MonkeyPatch, failed: str) -> Callable[..., Any]:
    """Make every FAILED call raise a ServiceException; return the original, to restore it."""
    original = botocore.client.BaseClient._make_api_call

    def fails(self, operation, params):  # type: ignore[no-untyped-def]
        if operation == failed:
            raise ClientError({"Error": {"Code": "ServiceException", "Message": "boom"}}, operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", fails)
    return original


def test_failure_after_the_publish_converges_without_republishing(
        aws: None, calls: Counter[str], monkeypatch: pytest.MonkeyPatch) -> None:
    counted = failing(monkeypatch, "CreateFunction")
    r = run("up", code=1)
    assert "CreateFunction failed: ServiceException: boom" in r.stderr
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    calls.clear()
    run("up")
    assert writes(calls) == {"CreateFunction": 1}
    (v,) = versions()
    assert layer_arns() == [v["LayerVersionArn"]]


def test_destroy_finds_a_version_published_before_a_crash(aws: None, proj: Path) -> None:
    """Published, then killed before the journal said so: the marker still says it is ours."""
    run("up")
    (proj / ".lambdactl/state.json").unlink()
    edit(proj, 'layers = ["plotting"]\n', "")
    run("destroy", "--yes")
    assert versions() == []


def test_over_250mb_with_layers_lists_largest_entries(aws: None, proj: Path, calls: Counter[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (proj / "functions/plot/data.bin").write_bytes(b"d" * 3000)
    monkeypatch.setattr(pk, "UNZIPPED_LIMIT", 7000)   # each fits alone (6 KB layer), not together
    r = run("up", code=2)
    # stderr: the layer's build (progress lines), then the error
    assert r.stderr.splitlines()[-1].startswith("error: functions.plot with its layers: 0.0 MB unzipped exceeds Lambda's")
    assert "largest entries: layer plotting: plotlib/ 0.0 MB, data.bin 0.0 MB, " in r.stderr
    assert sum(calls.values()) == 0   # found while packaging, before the first call

    monkeypatch.setattr(pk, "UNZIPPED_LIMIT", 5000)   # the layer alone is too big
    r = run("up", code=2)
    assert r.stderr.splitlines()[-1].startswith("error: layers.plotting: 0.0 MB unzipped exceeds")
    assert "largest entries: plotlib/ 0.0 MB, plotlib-1.0.dist-info/ 0.0 MB" in r.stderr


# -- over 50 MB zipped: published from the staging bucket -------------------------------
STAGING = test_staging.STAGING


@pytest.fixture
def big_layer(proj: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The layer's zip (~730 B) is over the lowered limit; the function's (~180 B) is not."""
    monkeypatch.setattr(pk, "ZIP_LIMIT", 500)
    return proj


def layer_zip_sha(proj: Path) -> str:
    return pk.file_sha256(proj / ".lambdactl/build/layers" / f"{LAYER}.zip")


def staged_layer_key(proj: Path) -> str:
    return f"layers/{LAYER}/{base64.b64decode(layer_zip_sha(proj)).hex()}.zip"


def staging_buckets() -> list[str]:
    return [b["Name"] for b in client("s3").list_buckets()["Buckets"] if b["Name"] == STAGING]


def test_big_layer_is_published_from_staging_then_the_object_deleted(
        aws: None, big_layer: Path, params: dict[str, list[dict[str, Any]]]) -> None:
    plan = json.loads(run("-o", "json", "plan").stdout)
    (step,) = [s for s in plan["steps"] if s["kind"] == "layer"]
    assert step["detail"].endswith(f"via staging s3://{STAGING} (new bucket)")
    (fn_step,) = [s for s in plan["steps"] if s["kind"] == "function"]
    assert "staging" not in fn_step["detail"]

    r = run("up")
    (publish,) = params["PublishLayerVersion"]
    assert publish["Content"] == {"S3Bucket": STAGING, "S3Key": staged_layer_key(big_layer)}
    (put,) = params["PutObject"]
    assert put["ExpectedBucketOwner"] == "123456789012"
    assert set(params["CreateFunction"][0]["Code"]) == {"ZipFile"}   # the function's stays inline
    (v,) = versions()
    body = client("lambda").get_layer_version(LayerName=LAYER, VersionNumber=v["Version"])
    assert body["Content"]["CodeSha256"] == layer_zip_sha(big_layer)
    assert layer_arns() == [v["LayerVersionArn"]]
    # The version is Lambda's copy: the staged object is gone, the (tagged, journaled) bucket stays.
    assert client("s3").list_objects_v2(Bucket=STAGING).get("KeyCount", 0) == 0
    assert client("s3").get_bucket_tagging(Bucket=STAGING)["TagSet"] == [
        {"Key": "lambdactl:project", "Value": "lambdactl-demo"}]
    assert test_staging.journal_kinds()["staging_bucket"] == 1
    assert test_staging.journal_kinds()["staging_object"] == 0
    assert f"layers.plotting: upload to s3://{STAGING}: done" in r.stderr


def test_unchanged_big_layer_zero_writes_changed_one_restaged(aws: None, big_layer: Path,
                                                               calls: Counter[str]) -> None:
    run("up")
    calls.clear()
    r = run("up")
    assert writes(calls) == {}
    assert "upload to" not in r.stderr
    (big_layer / "layers/plotting/requirements.txt").write_text("plotlib==1.1\n")
    calls.clear()
    run("up")
    assert writes(calls) == {"PutObject": 1, "PublishLayerVersion": 1, "DeleteObjects": 1,
                             "UpdateFunctionConfiguration": 1}
    assert versions()[0]["Version"] == 2
    assert client("s3").list_objects_v2(Bucket=STAGING).get("KeyCount", 0) == 0


def test_foreign_staging_bucket_refused_before_any_write(aws: None, big_layer: Path,
                                                         calls: Counter[str]) -> None:
    client("s3").create_bucket(Bucket=STAGING)   # same name, no lambdactl tag
    calls.clear()
    r = run("up", code=1)
    assert f"staging bucket '{STAGING}' exists but was not created by lambdactl" in r.stderr
    assert writes(calls) == {}
    assert versions() == [] and client("lambda").list_functions()["Functions"] == []
    assert client("iam").list_roles()["Roles"] == []
    run("destroy", "--yes")
    assert staging_buckets() == [STAGING]   # left alone


def test_destroy_leaves_no_staging_bucket(aws: None, big_layer: Path) -> None:
    run("up")
    out = json.loads(run("-o", "json", "destroy", "--yes").stdout)
    assert ("staging_bucket", STAGING) in {(s["kind"], s["name"]) for s in out["deleted"]}
    assert staging_buckets() == [] and versions() == []
    assert not (big_layer / ".lambdactl/state.json").exists() or not test_staging.journal_kinds()


def test_big_function_and_layer_share_one_staging_bucket(aws: None, big_layer: Path, calls: Counter[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pk, "ZIP_LIMIT", 100)   # the function's zip is over it too
    run("up")
    assert writes(calls)["CreateBucket"] == 1 and writes(calls)["PutObject"] == 2
    (key,) = [o["Key"] for o in client("s3").list_objects_v2(Bucket=STAGING)["Contents"]]
    assert key.startswith(f"{PLOT}/")   # the function's package stays (pruned on its next deploy)
    assert versions()[0]["Version"] == 1
    run("destroy", "--yes")
    assert staging_buckets() == []


def test_failed_publish_leaves_the_object_for_destroy(aws: None, big_layer: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    original = failing(monkeypatch, "PublishLayerVersion")
    run("up", code=1)
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", original)
    s3 = client("s3")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=STAGING)["Contents"]] == [staged_layer_key(big_layer)]
    assert test_staging.journal_kinds()["staging_object"] == 1
    out = json.loads(run("-o", "json", "destroy", "--yes").stdout)
    assert ("staging_object", f"s3://{STAGING}/{staged_layer_key(big_layer)}") in {
        (s["kind"], s["name"]) for s in out["deleted"]}
    assert staging_buckets() == []


def test_readme_layer_example_is_valid(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    example = readme.split("### Layers", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "layers/plotting").mkdir(parents=True)
    (tmp_path / "layers/plotting/requirements.txt").write_text("matplotlib==3.9.2\n")
    (tmp_path / "functions/plot").mkdir(parents=True)
    (tmp_path / "functions/plot/app.py").write_text("def lambda_handler(e, c):\n    pass\n")
    (tmp_path / "lambdactl.toml").write_text('[project]\nname = "tutorial"\n' + example)
    project = load(tmp_path / "lambdactl.toml")
    assert [x.name for x in project.layers] == ["tutorial-plotting"]
    assert project.layers_of(project.functions) == project.layers


@pytest.mark.parametrize("extra", [-1, 0, 1, 2])
def test_zipsplice_encodes_in_chunks_exactly_as_base64(extra: int) -> None:
    from lambdactl import zipsplice

    data = bytes(range(256)) * ((3 * zipsplice.CHUNK) // 256) + b"\x01\x02"[:max(extra, 0)]
    data = data[:len(data) + extra] if extra < 0 else data
    assert zipsplice.encode(data) == base64.b64encode(data)


def test_a_layer_removed_from_lambdactl_toml_is_an_orphan_up_prune_removes(aws: None, proj: Path) -> None:
    """plan said "no changes", status "in sync" and up --prune kept every version of a
    [layers.NAME] removed from lambdactl.toml: only destroy found them."""
    run("up")
    edit(proj, 'layers = ["plotting"]\n', "")
    edit(proj, '[layers.plotting]\nrequirements = "layers/plotting/requirements.txt"\ndescription = "plotting libraries"\n', "")
    plan = run("plan")
    assert f"- orphan layer {LAYER}:1 (no longer in lambdactl.toml): `lambdactl up --prune` removes it" in plan.stdout
    assert "1 orphan resource(s)" in plan.stderr
    assert "orphan layer" in run("status", code=1).stdout
    assert f"- project: delete layer {LAYER}:1: lambdactl's marker (orphan)" in run("plan", "--prune").stdout
    run("up", "--prune")
    assert versions() == [] and layer_arns() == []
    assert "no changes" in run("plan").stderr
    run("status")   # exit 0: in sync, no orphan
