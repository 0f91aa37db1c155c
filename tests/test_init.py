"""`lambdactl init`: templates are shipped, valid, never overwrite, and really work.

Each template is deployed on a sandbox with the real CLI in a subprocess, and the
smoke test its README gives returns what its README promises.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner

from lambdactl import config
from lambdactl.cli import root
from tests.conftest import seed_deps

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = ["bucket-lister", "custom-runtime", "http-api", "queue-worker", "s3-logger", "size-tracker"]


def init(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(root, ["init", *args])
    return result.exit_code, result.stdout, result.stderr


def test_list_shows_every_template() -> None:
    code, out, _ = init("--list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == TEMPLATES
    assert "s3://<project>-uploads" in out
    code, out, _ = init("--list", "-o", "json")
    assert [t["template"] for t in json.loads(out)] == TEMPLATES


@pytest.mark.parametrize("name", TEMPLATES)
def test_each_template_is_a_valid_project(name: str, tmp_path: Path) -> None:
    code, _, err = init(str(tmp_path / "my-app"), "--template", name)
    assert code == 0, err
    made = tmp_path / "my-app"
    ignored = (made / ".gitignore").read_text().splitlines()
    assert ".lambdactl/" in ignored and ".venv/" in ignored   # init accepts a dir holding only a .venv
    assert len((made / "README.md").read_text().splitlines()) == 3
    assert "{{project}}" not in "".join(p.read_text() for p in made.rglob("*") if p.is_file())
    project = config.load(str(made / "lambdactl.toml"))   # every check lambdactl.toml gets
    assert project.name == "my-app"
    for fn in project.functions:   # a policy file, when it needs more than lambdactl's own statements
        assert fn.policy is None or (made / "policies" / fn.policy.name).is_file()


def test_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "lambdactl.toml").write_text("mine")
    code, _, err = init(str(tmp_path), "--name", "app")
    assert code == 2
    assert err.count("\n") == 1 and "is not empty (lambdactl.toml)" in err and "never overwrites" in err
    assert (tmp_path / "lambdactl.toml").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["lambdactl.toml"]


def test_refuses_a_non_empty_directory_naming_what_is_there(tmp_path: Path) -> None:
    """Files the template does not have are no licence to mix it in: SAM and Chalice
    refuse an existing directory too. The template's own names come first."""
    for name in ("notes.txt", "data.csv", "b", "c", "d"):
        (tmp_path / name).write_text("mine")
    (tmp_path / "functions").mkdir()
    code, _, err = init(str(tmp_path), "--name", "app")
    assert code == 2 and "Traceback" not in err
    assert err == (f"error: {tmp_path} is not empty (functions, b, c, d and 2 more); init never overwrites, "
                   "nor mixes a template into other files; pick a new or empty directory: lambdactl init NEW-DIR\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "c", "d", "data.csv", "functions", "notes.txt"]
    assert not any((tmp_path / "functions").iterdir())


def test_an_empty_directory_with_a_repository_or_a_virtualenv_is_empty(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """`git init`, `python -m venv .venv`, `pip install lambdactl`, then `lambdactl init`."""
    made = tmp_path / "fresh"
    (made / ".git").mkdir(parents=True)
    (made / ".venv").mkdir()
    monkeypatch.chdir(made)
    code, _, err = init()
    assert code == 0, err
    assert config.load(str(made / "lambdactl.toml")).name == "fresh"
    assert "next: lambdactl up && lambdactl invoke logger" in err   # here: no `cd`


@pytest.mark.parametrize("dirname,project", [
    ("My_App", "my-app"), ("my.app", "my-app"), ("my app", "my-app"), ("Photos 2024!", "photos-2024"),
    ("a" * 50, "a" * 40), ("xn--bucket", "xn-bucket"), ("-lead-", "lead"),
    # Latin letters keep their base letter; they made "pr-j-ect", "app" and "caf-cr-me" (newuser3)
    ("Prøj ect", "proj-ect"), ("ÆØÅ-app", "aeoa-app"), ("Café Crème", "cafe-creme"), ("Straße", "strasse"),
])
def test_a_directory_name_that_is_no_project_name_is_made_one(tmp_path: Path, dirname: str, project: str) -> None:
    """Bucket names derive from it: every name init makes is a valid S3 bucket name."""
    code, _, err = init(str(tmp_path / dirname), "--template", "size-tracker")
    assert code == 0, err
    assert f"project name {project!r}, from the directory name {dirname!r}" in err
    loaded = config.load(str(tmp_path / dirname / "lambdactl.toml"))
    assert loaded.name == project
    text = (tmp_path / dirname / "lambdactl.toml").read_text() + (tmp_path / dirname / "README.md").read_text()
    buckets = [f"{project}-uploads", f"{project}-charts"]
    assert all(b in text for b in buckets)
    s3_name = re.compile(r"(?!xn--|sthree-|amzn-s3-demo-)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
    assert all(s3_name.fullmatch(b) for b in buckets), buckets


@pytest.mark.parametrize("args,message", [
    (["___"], "the directory name '___' makes no project name (1-40 lowercase"),
    (["ok", "--name", "-bad"], "project name '-bad' (from --name)"),
    (["ok", "--name", "a" * 41], "must be 1-40"),
    (["ok", "--name", "My_App"], "pass --name my-app"),
    (["ok", "--name", "xn--app"], "not xn--/sthree-/amzn-s3-demo-…"),
    # another script: 'Проект-2' made project '2' (and 'Отчёт-2' the same '2': one project's resources)
    (["Проект-2"], "the directory name 'Проект-2' has letters outside a-z (Проект), which AWS resource and S3 "
     "bucket names (the project name prefixes them) cannot hold; pass --name with 1-40 lowercase letters a-z"),
    (["Отчёт 2024"], "has letters outside a-z (Отчёт)"),
    (["Проект"], "the directory name 'Проект' has letters outside a-z"),
    (["ok", "--name", "проект"], "--name 'проект' has letters outside a-z (проект)"),
    (["ok", "--template", "nothere"], "no template 'nothere'; pick one of: bucket-lister, custom-runtime, http-api, queue-worker, s3-logger, size-tracker"),
])
def test_bad_input_is_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    code, _, err = init(*[str(tmp_path / args[0]), *args[1:]])
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not any(tmp_path.iterdir())


def test_the_wheel_ships_the_templates(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(tmp_path), str(REPO)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("lambdactl-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in TEMPLATES:
        shipped = {n for n in names if n.startswith(f"lambdactl/templates/{name}/")}
        here = {f"lambdactl/{p.relative_to(REPO / 'src/lambdactl').as_posix()}"
                for p in (REPO / "src/lambdactl/templates" / name).rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}
        assert shipped == here and f"lambdactl/templates/{name}/gitignore" in shipped


# -- deployed on the sandbox ---------------------------------------------------

@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], str]]:
    home = tmp_path_factory.mktemp("init-home")
    env = {k: v for k, v in os.environ.items()
           if k not in ("AWS_PROFILE", "AWS_REGION", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                        "LAMBDACTL_TARGET", "LAMBDACTL_CONFIG")}
    env.update(LAMBDACTL_HOME=str(home), AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=str(home / "none"),
               AWS_SHARED_CREDENTIALS_FILE=str(home / "none"))
    started = json.loads(cli(home, env, "local", "start", "--port", "0", "-o", "json").stdout)
    # The sandbox answers only its own key: clients sign with what `local env` prints.
    exported = json.loads(cli(home, env, "local", "env", "-o", "json").stdout)
    env.update(AWS_ACCESS_KEY_ID=exported["AWS_ACCESS_KEY_ID"], AWS_SECRET_ACCESS_KEY=exported["AWS_SECRET_ACCESS_KEY"])
    yield env, started["endpoint"]
    cli(home, env, "local", "stop")


def cli(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "lambdactl", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


def promise(readme: str) -> tuple[list[str], str]:
    """The README's smoke-test command (argv after `lambdactl`) and the result it promises."""
    smoke = re.search(r"smoke test: `lambdactl ([^`]+)`", readme)
    returns = re.search(r"It returns `([^`]+)`", readme)
    assert smoke and returns, readme
    return shlex.split(smoke.group(1)), returns.group(1)


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_deploys_and_its_smoke_test_returns_what_its_readme_says(
        name: str, tmp_path: Path, sandbox: tuple[dict[str, str], str], request: pytest.FixtureRequest) -> None:
    env, endpoint = sandbox
    project = tmp_path / f"smoke-{name}"
    cli(tmp_path, env, "init", str(project), "--template", name)
    if name == "size-tracker":   # its matplotlib layer from the session's cache, not pip again
        seed_deps(project, request.getfixturevalue("plotting_deps"))
    args, promised = promise((project / "README.md").read_text())
    cli(project, env, "up")

    proc = cli(project, env, *args)
    got = json.loads(proc.stdout) if promised.startswith("{") else None
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    if not promised.startswith("{"):   # a custom runtime's plain text
        assert proc.stdout.strip() == promised
    elif "[...]" in promised:   # "the name of every bucket": compare with the sandbox's
        assert got is not None and json.loads(promised.replace("[...]", "null")).keys() == got.keys()
        assert got["buckets"] == [b["Name"] for b in s3.list_buckets()["Buckets"]]
        assert f"{len(got['buckets'])} bucket(s)" in proc.stderr      # "its log says how many"
    else:
        assert got == json.loads(promised)
    if name == "s3-logger":   # the README's second promise: upload FILE, and logs shows it
        assert "New object s3://smoke-s3-logger-uploads/hello.txt" in proc.stderr
        (project / "photo.txt").write_text("hi")
        cli(project, env, "upload", "photo.txt")
        deadline = time.monotonic() + 20
        while "New object s3://smoke-s3-logger-uploads/photo.txt" not in cli(project, env, "logs", "logger").stdout:
            assert time.monotonic() < deadline, "the upload never showed in the logs"
            time.sleep(0.5)
    cli(project, env, "destroy", "--yes")


def test_a_copy_made_after_up_says_it_is_the_same_project(tmp_path: Path, sandbox: tuple[dict[str, str], str]) -> None:
    """`cp -r app app2` after `up`: the copy deploys and destroys the original's resources
    (same project name): each command there says so while the original is that project.
    Renaming the copy's project is all it takes to make it separate (its bucket too)."""
    import shutil

    env, _ = sandbox
    cli(tmp_path, env, "init", "orig")
    cli(tmp_path / "orig", env, "up")
    shutil.copytree(tmp_path / "orig", tmp_path / "copy")
    said = (f"warning: {tmp_path / 'copy'} is a copy of {tmp_path / 'orig'} (its .lambdactl/ came along): "
            "both are project 'orig' and deploy, and destroy, the same resources")
    assert said in cli(tmp_path / "copy", env, "status").stderr
    assert said in cli(tmp_path / "copy", env, "destroy", "--dry-run").stderr
    assert "copy of" not in cli(tmp_path / "orig", env, "status").stderr
    (tmp_path / "orig").rename(tmp_path / "moved")   # the original moved away: the copy is it now
    assert "copy of" not in cli(tmp_path / "copy", env, "status").stderr
    assert "copy of" not in cli(tmp_path / "moved", env, "status").stderr   # nor is the moved one told so

    shutil.copytree(tmp_path / "moved", tmp_path / "second")
    toml = tmp_path / "second/lambdactl.toml"
    toml.write_text(toml.read_text().replace('name = "orig"', 'name = "second"'))
    assert "copy of" not in cli(tmp_path / "second", env, "up").stderr
    for where, bucket in (("second", "second-uploads"), ("moved", "orig-uploads")):
        got = json.loads(cli(tmp_path / where, env, "invoke", "--event", "s3-put", "--key", "k").stdout)
        assert got == {"logged": [f"s3://{bucket}/k"]}
        cli(tmp_path / where, env, "destroy", "--yes")


def test_the_coming_from_rows_run_as_typed(tmp_path: Path, sandbox: tuple[dict[str, str], str]) -> None:
    """README's "Coming from the AWS CLI / SAM / Chalice": each lambdactl command of the
    table, as typed, in a project `init` made (destroy with --yes: this is no terminal)."""
    env, _ = sandbox
    project = tmp_path / "rows"
    project.mkdir()
    cli(project, env, "init")
    for row in (["package"], ["plan"], ["up"], ["status"], ["help", "invoke"], ["invoke", "-h"]):
        cli(project, env, *row)
    assert json.loads(cli(project, env, "invoke").stdout) == {"logged": []}
    event = json.loads(cli(project, env, "event", "s3-put").stdout)
    assert event["Records"][0]["s3"]["bucket"]["name"] == "rows-uploads"
    follow = subprocess.Popen([sys.executable, "-m", "lambdactl", "logs", "-f"], cwd=project, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert follow.stdout is not None and "START" in follow.stdout.readline()
    finally:
        follow.terminate()
        follow.wait(timeout=30)
    assert "removed" in cli(project, env, "destroy", "--yes").stderr


def test_two_projects_from_one_template_side_by_side(tmp_path: Path, sandbox: tuple[dict[str, str], str]) -> None:
    """Two s3-logger projects in one sandbox: their names (from their directories) keep
    every resource apart, buckets too; destroying one leaves the other working."""
    env, _ = sandbox
    for name in ("left", "right"):
        cli(tmp_path, env, "init", name)
        cli(tmp_path / name, env, "up")
    cli(tmp_path / "left", env, "destroy", "--yes")
    got = json.loads(cli(tmp_path / "right", env, "invoke", "--event", "s3-put", "--key", "k").stdout)
    assert got == {"logged": ["s3://right-uploads/k"]}
    status = json.loads(cli(tmp_path, env, "local", "status", "-o", "json").stdout)["contents"]
    names = {e["name"] for kind in status.values() for e in kind}
    assert "right-uploads" in names and not any("left-" in n for n in names)   # log groups too
    cli(tmp_path / "right", env, "destroy", "--yes")


def test_every_command_that_prints_data_prints_one_json_document(tmp_path: Path,
                                                                 sandbox: tuple[dict[str, str], str]) -> None:
    """`-o json` (after the command, as AWS CLI users type it) takes effect: stdout parses
    as one JSON document for each command that prints data, on a project init made."""
    env, _ = sandbox
    cli(tmp_path, env, "init", "jsonapp")
    project = tmp_path / "jsonapp"
    (project / "f.txt").write_text("hello")
    for args in (["init", "--list"], ["package"], ["plan"], ["up"], ["status"], ["invoke", "--event", "s3-put"],
                 ["upload", "f.txt"], ["logs"], ["stats"], ["event", "s3-put"], ["policy", "suggest"],
                 ["download", "jsonapp-uploads", "f.txt", "-"], ["rm", "jsonapp-uploads", "f.txt"],
                 ["local", "status"], ["local", "env"], ["destroy", "--dry-run"], ["destroy", "--yes"]):
        proc = subprocess.run([sys.executable, "-m", "lambdactl", *args, "-o", "json"], cwd=project, env=env,
                              capture_output=True, text=True, timeout=180)
        assert proc.returncode in (0, 3), (args, proc.stderr)   # 3: status's "not in sync" is data too
        if args[:1] == ["download"]:
            assert proc.stdout == "hello"   # the object itself: stdout is the file, as `-` asks
            continue
        json.loads(proc.stdout)
