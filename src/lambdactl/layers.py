"""Layers lambdactl builds from a requirements file ([layers.NAME]): build, observe, decide, publish, delete.

A layer's requirements are installed for Lambda's platform (the dependency cache
of package.py) under ``python/`` (``python/lib/pythonX.Y/site-packages/`` per
runtime when it serves several), zipped deterministically; its CodeSha256
decides. Lambda layers cannot be tagged, so each version lambdactl publishes
ends its Description with ``[lambdactl:<project> sha256:<CodeSha256>]``, and the
journal records the version numbers: together they say which versions are ours.
ListLayerVersions does not return the content hash, hence the marker. A zip
over 50 MB is published from the staging bucket (staging.py), like a function's.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from lambdactl import package as pk
from lambdactl import staging as stagemod
from lambdactl import zipsplice
from lambdactl.aws import error_code
from lambdactl.core.executor import thread_pool
from lambdactl.errors import ConfigError, OwnershipError

if TYPE_CHECKING:
    from lambdactl.config import Function, Layer, Project
    from lambdactl.state import Journal, Reader

MARKER = re.compile(r"\[lambdactl:(?P<project>[A-Za-z0-9-]+) sha256:(?P<sha>[A-Za-z0-9+/]{43}=)\]$")
SHA_LEN = 44          # CodeSha256: base64 of 32 bytes
PENDING = "(new version)"   # stands for the ARN a publish will return, in plans


def marker(project: str, sha: str) -> str:
    return f"[lambdactl:{project} sha256:{sha}]"


def marker_length(project: str) -> int:
    """Room the marker (and its separating space) takes in a layer's Description."""
    return len(marker(project, "x" * SHA_LEN)) + 1


def description(layer: Layer, project: str, sha: str) -> str:
    return f"{layer.description} {marker(project, sha)}".lstrip()


# -- build ------------------------------------------------------------------------
def prefix(layer: Layer, runtime: str) -> str:
    """Where Lambda looks in /opt: python/ for one runtime, else each runtime's site-packages."""
    return "python/" if len(layer.runtimes) == 1 else f"python/lib/{runtime}/site-packages/"


def build(layer: Layer, build_dir: Path, **kwargs: Any) -> pk.Package:
    """Install LAYER's requirements for its platform (cached) and zip them deterministically."""
    start = time.perf_counter()
    trees = []
    for runtime in layer.runtimes:
        tree, status, key = pk.install_dependencies(layer.requirements, build_dir, runtime,
                                                    layer.architecture, name=f"layers.{layer.key}",
                                                    **kwargs)
        trees.append((prefix(layer, runtime), tree, key, status == "miss"))
    dest = build_dir / "layers" / f"{layer.name}.zip"
    # The same dependency sets (cache keys) zip to the same bytes: an unchanged layer is not re-zipped.
    inputs = {"trees": [[where, key] for where, _, key, _ in trees], "level": pk.COMPRESS_LEVEL}
    reused = None if any(miss for *_, miss in trees) else pk.reuse_zip(dest, inputs)
    if reused and reused.unzipped <= pk.UNZIPPED_LIMIT:   # else: built again, to say what is too big
        return dataclasses.replace(reused, deps="hit", seconds=time.perf_counter() - start)
    files: list[tuple[str, pk.Source]] = []
    for where, tree, _, _ in trees:
        files += [(where + rel, src) for rel, src in pk.collect_dependencies(tree)]
    misses = [miss for *_, miss in trees]
    files.sort(key=lambda item: item[0])
    sizes = [pk.entry_size(src) for _, src in files]
    if sum(sizes) > pk.UNZIPPED_LIMIT:
        too_big(f"layers.{layer.key}", [("", [(_site_relative(rel), n) for (rel, _), n in zip(files, sizes)])],
                "drop unneeded packages from its requirements, or split it into two layers")
    seconds = time.perf_counter() - start
    out = pk.build_zip(files, dest)
    pk.remember_zip(out, inputs)
    return dataclasses.replace(out, deps="miss" if any(misses) else "hit", deps_seconds=seconds,
                               seconds=time.perf_counter() - start)


def _entries(path: Path, strip: Callable[[str], str]) -> list[tuple[str, int]]:
    with zipfile.ZipFile(path) as zf:
        return [(strip(i.filename), i.file_size) for i in zf.infolist()]


def _site_relative(name: str) -> str:
    rest = name.removeprefix("python/")
    m = re.match(r"lib/python3\.\d+/site-packages/", rest)
    return rest[m.end():] if m else rest


def too_big(what: str, sources: Sequence[tuple[str, list[tuple[str, int]]]], hint: str) -> NoReturn:
    """Over Lambda's unzipped limit: one line listing the largest entries of all SOURCES.

    SOURCES: (label, [(path, size)]); a layer's paths relative to its site-packages.
    """
    total = sum(size for _, entries in sources for _, size in entries)
    tops: list[tuple[str, int]] = []
    for label, entries in sources:
        tops += [(label + rel, size) for rel, size in
                 pk.largest_entries([(rel, Path(rel)) for rel, _ in entries], [n for _, n in entries])]
    top = sorted(tops, key=lambda kv: (-kv[1], kv[0]))[:5]
    raise ConfigError(
        f"{what}: {total / 2**20:.1f} MB unzipped exceeds Lambda's "
        f"{pk.UNZIPPED_LIMIT / 2**20:.0f} MB limit; largest entries: "
        + ", ".join(f"{rel} {size / 2**20:.1f} MB" for rel, size in top), hint)


def check_total(fn: Function, pkg: pk.Package, layers: Sequence[tuple[Layer, pk.Package]]) -> int:
    """The function's package plus its built layers must fit Lambda's unzipped limit.

    Published ARNs lambdactl does not build have sizes it cannot know: not counted.
    """
    total = pkg.unzipped + sum(lp.unzipped for _, lp in layers)
    if total > pk.UNZIPPED_LIMIT:
        too_big(f"functions.{fn.key} with its layers",
                [("", _entries(pkg.path, str)),
                 *((f"layer {layer.key}: ", _entries(lp.path, _site_relative)) for layer, lp in layers)],
                "drop unneeded packages from the function's or the layers' requirements")
    return total


# -- observe / decide ---------------------------------------------------------------
@dataclass(frozen=True)
class Version:
    number: int
    arn: str
    project: str | None      # from our marker; None without one
    sha256: str | None
    runtimes: tuple[str, ...]
    architectures: tuple[str, ...]


def observe(lam: Any, name: str) -> list[Version]:
    """Every version of layer NAME, newest first (no versions: [])."""
    out = []
    try:
        for page in lam.get_paginator("list_layer_versions").paginate(LayerName=name):
            for v in page.get("LayerVersions", []):
                m = MARKER.search(v.get("Description") or "")
                out.append(Version(
                    int(v["Version"]), v["LayerVersionArn"], m["project"] if m else None,
                    m["sha"] if m else None, tuple(sorted(v.get("CompatibleRuntimes") or [])),
                    tuple(sorted(v.get("CompatibleArchitectures") or []))))
    except Exception as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
    return sorted(out, key=lambda v: -v.number)


def journaled(journal: Reader, name: str) -> set[int]:
    entry = journal.get("layer", name) or {}
    return {int(n) for n in entry.get("versions", [])}


def split(versions: Iterable[Version], project: str, recorded: set[int]) -> tuple[list[Version], list[Version]]:
    """(ours, foreign): ours carry our project's marker or are in the journal."""
    ours: list[Version] = []
    foreign: list[Version] = []
    for v in versions:
        (ours if v.project == project or v.number in recorded else foreign).append(v)
    return ours, foreign


@dataclass(frozen=True)
class Decision:
    action: str                   # create (publish a version) | keep
    fields: tuple[str, ...]       # what differs from the latest version: content, runtimes, architecture
    arn: str                      # the version functions get; PENDING until published
    detail: str = ""


def decide(layer: Layer, sha: str, versions: list[Version], project: str, recorded: set[int]) -> Decision:
    """Publish when the content, runtimes or architecture differ from our latest version."""
    ours, foreign = split(versions, project, recorded)
    if foreign:
        numbers = ", ".join(str(v.number) for v in sorted(foreign, key=lambda v: v.number))
        raise OwnershipError(
            f"layer {layer.name} has versions lambdactl did not publish for {project} ({numbers})",
            f"rename [layers.{layer.key}] or remove those versions yourself; lambdactl never touches them",
        )
    if not ours:
        return Decision("create", (), PENDING, f"publish version 1 of content {sha[:12]}…")
    latest = ours[0]
    fields = []
    if latest.sha256 != sha:
        fields.append("content")
    if latest.runtimes != tuple(sorted(layer.runtimes)):
        fields.append("runtimes")
    if latest.architectures != (layer.architecture,):
        fields.append("architecture")
    if fields:
        return Decision("create", tuple(fields), PENDING,
                        f"publish a version after {latest.number} ({', '.join(fields)} changed)")
    return Decision("keep", (), latest.arn, f"version {latest.number}")


# -- publish / delete ----------------------------------------------------------------
# PublishLayerVersion's Content for a layer's zip, held while the call is made.
Content = Callable[["Layer", pk.Package], AbstractContextManager[dict[str, Any]]]


@contextmanager
def inline(layer: Layer, pkg: pk.Package) -> Iterator[dict[str, Any]]:
    yield {"ZipFile": pkg.read()}


def publish(lam: Any, layer: Layer, pkg: pk.Package, project: str,
            content: Content = inline) -> dict[str, Any]:
    with content(layer, pkg) as body, zipsplice.spliced(lam, "PublishLayerVersion", body) as body:
        return dict(lam.publish_layer_version(
            LayerName=layer.name, Description=description(layer, project, pkg.sha256),
            Content=body, CompatibleRuntimes=list(layer.runtimes),
            CompatibleArchitectures=[layer.architecture],
        ))


def delete_version(lam: Any, name: str, number: int) -> None:
    # DeleteLayerVersion succeeds for a version already gone; older endpoints say NotFound.
    try:
        lam.delete_layer_version(LayerName=name, VersionNumber=number)
    except Exception as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise


# -- one run: builds, decisions and the ARNs functions get ---------------------------
@dataclass
class LayerSet:
    """The layers of one plan/up run, shared by every function's chain.

    A layer named by several functions is published once: the first chain to need
    it publishes (under its lock), the others wait and get the same ARN.
    """

    builds: dict[str, pk.Package] = field(default_factory=dict)
    observed: dict[str, list[Version]] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)   # layer key -> function key that shows the step
    arns: dict[str, str] = field(default_factory=dict)     # published or kept, at execute time
    staging: stagemod.StagingState | None = None   # read only when a built layer is over 50 MB
    _encoding: dict[str, Future[bytes]] = field(default_factory=dict)   # layer key -> its base64, early
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def build_all(self, project: Project, fns: tuple[Function, ...], build_dir: Path,
                  **kwargs: Any) -> None:
        layers = [layer for layer in project.layers_of(fns) if layer.key not in self.builds]
        for fn in fns:
            for ref in fn.layers:
                self.owners.setdefault(ref, fn.key)
        if layers:
            with thread_pool(min(4, len(layers))) as pool:
                for layer, pkg in zip(layers, pool.map(lambda x: build(x, build_dir, **kwargs), layers)):
                    self.builds[layer.key] = pkg

    def read(self, project: str, known: dict[str, Any] | None, layer: Layer, lam: Any, name: str) -> list[Version]:
        """ListLayerVersions for LAYER; `up` (KNOWN: its journal) encodes the zip to publish early."""
        entry = (known or {}).get(f"layer:{layer.name}")
        self.prepare(layer, known, None if entry is None else entry.get("sha256", ""))
        versions = observe(lam, name)
        self.prepare(layer, known, next((v.sha256 for v in versions if v.project == project), None))
        return versions

    def prepare(self, layer: Layer, known: dict[str, Any] | None, latest: str | None) -> None:
        """Start reading and encoding LAYER's inline zip in a thread, for a run that writes
        (KNOWN, the journal, not None), unless the LATEST hash published ("": not known)
        is the built zip's: the publish then waits for less. Asked with what the journal
        says, then with the project's newest version (None: there is none)."""
        pkg = self.builds.get(layer.key)
        if known is None or pkg is None or stagemod.needed(pkg) or layer.key in self._encoding:
            return
        if latest != pkg.sha256 and latest != "":
            self._encoding[layer.key] = zipsplice.encoding(pkg.path)

    def check_sizes(self, project: Project, fn: Function, pkg: pk.Package) -> None:
        check_total(fn, pkg, [(layer, self.builds[layer.key]) for layer in project.layers_of((fn,))
                              if layer.key in self.builds])

    def decide(self, project: Project, journal: Reader, fn: Function,
               ) -> list[tuple[str, str, str, tuple[str, ...], str]]:
        """(layer key, layer name, action, fields, detail) for each built layer FN names."""
        rows = []
        for layer in project.layers_of((fn,)):
            if layer.key not in self.decisions:
                self.decisions[layer.key] = decide(layer, self.builds[layer.key].sha256,
                                                   self.observed.get(layer.key, []), project.name,
                                                   journaled(journal, layer.name))
            d = self.decisions[layer.key]
            if self.owners.get(layer.key, fn.key) == fn.key:
                # over 50 MB: via the staging bucket (refused if foreign)
                pkg = self.builds[layer.key]
                via = stagemod.detail(pkg, self.staging) if d.action == "create" else ""
                rows.append((layer.key, layer.name, d.action, d.fields, d.detail + via))
            else:
                rows.append((layer.key, layer.name, "keep", (), f"published with {self.owners[layer.key]}"))
        return rows

    def planned(self, fn: Function) -> Function:
        """FN with its layer names replaced by the ARNs decided (PENDING for a publish)."""
        return dataclasses.replace(fn, layers=tuple(
            self.decisions[ref].arn if ref in self.decisions else ref for ref in fn.layers))

    def ensure(self, lam: Any, journal: Journal, project: Project, key: str,
               content: Content = inline) -> str:
        """The ARN for layer KEY, publishing it first (once) when the plan said so, with CONTENT."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key in self.arns:
                return self.arns[key]
            d = self.decisions[key]
            if d.action == "keep":
                self.arns[key] = d.arn
                return d.arn
            layer = next(x for x in project.layers if x.key == key)
            prior = sorted(journaled(journal, layer.name))
            journal.record("layer", layer.name, "creating", layer=key, versions=prior)
            early = self._encoding.pop(key, None)   # an inline zip's, encoded during the reads
            resp = publish(lam, layer, self.builds[key], project.name, zipsplice.content_of(early) if early else content)
            journal.record("layer", layer.name, "created", layer=key, sha256=self.builds[key].sha256,
                           versions=[*prior, int(resp["Version"])], arn=resp["LayerArn"])
            self.arns[key] = resp["LayerVersionArn"]
            return self.arns[key]

    def resolved(self, lam: Any, journal: Journal, project: Project, fn: Function,
                 content: Content = inline) -> Function:
        """FN with its layer names replaced by real version ARNs (publishing if needed)."""
        return dataclasses.replace(fn, layers=tuple(
            self.ensure(lam, journal, project, ref, content) if ref in self.decisions else ref
            for ref in fn.layers))

    def arns_of(self, fn: Function) -> list[str]:
        """The layer ARNs FN has after a run (no calls)."""
        return [self.arns.get(ref) or (self.decisions[ref].arn if ref in self.decisions else ref)
                for ref in fn.layers]
