"""The one place that builds AWS sessions and clients (botocore's; boto3's API).

Every other module receives clients from :class:`Aws`; nothing else imports
boto3 or botocore at module level. The target (AWS or the local sandbox) decides the
endpoint and the credentials: the sandbox gets its own (from its state file), so
real ones are never sent to it.
"""

from __future__ import annotations

import gc
import os
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lambdactl
from lambdactl import accounts
from lambdactl.aws_errors import deleted, error_code, error_message, translate  # noqa: F401 - imported from here
from lambdactl.errors import LambdactlError
from lambdactl.tls import SharedContext

READ_PREFIXES = ("Get", "List", "Describe", "Head", "Scan", "Query")
LOCAL_READ_TIMEOUT = 10  # s: the sandbox's reads and writes (not Invoke) answer well within it
TRANSFER_READ_TIMEOUT = 600  # s: the sandbox joins a multipart upload's parts in memory (a 1 GB one took 10+ s)
INVOKE_MARGIN = 30   # s beyond a function's timeout to wait for Invoke's answer (init, network)


@dataclass(frozen=True)
class Target:
    """Where lambdactl points: real AWS (kind "aws") or the sandbox (kind "local")."""

    kind: str = "aws"
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None

    @property
    def is_local(self) -> bool:
        return self.kind == "local"


def is_write(operation: str) -> bool:
    """True for API operations that change something (used to count writes)."""
    return not operation.startswith(READ_PREFIXES) and operation != "Invoke"


class CallCounter:
    """Counts API calls by operation; thread-safe. Attached to every client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()

    def __call__(self, model: Any = None, **_: Any) -> None:
        with self._lock:
            self.calls[model.name] += 1

    @property
    def reads(self) -> int:
        return sum(n for op, n in self.calls.items() if not is_write(op))

    @property
    def writes(self) -> int:
        return sum(n for op, n in self.calls.items() if is_write(op))

    def as_json(self) -> dict[str, Any]:
        """For --output json: totals and the count of each operation."""
        return {"reads": self.reads, "writes": self.writes, "operations": dict(sorted(self.calls.items()))}


class Aws:
    """Lazily creates and caches one client per service for a target."""

    def __init__(
        self,
        target: Target,
        *,
        max_attempts: int = 8,
        hooks: list[tuple[str, Callable[..., Any]]] | None = None,
    ) -> None:
        self.target = target
        self.counter = CallCounter()
        self._hooks = list(hooks or [])
        self._max_attempts = max_attempts
        self._lock = threading.Lock()
        self._session: Any = None
        self._clients: dict[str, Any] = {}
        self._account_id: str | None = None
        self._account_lock = threading.Lock()   # reads side by side ask once, not each
        self._tls = SharedContext()   # the CA bundle loaded once, not per connection (tls.py)

    # -- construction -------------------------------------------------------
    def _make_session(self) -> Any:
        # botocore's session, not boto3's: boto3 adds nothing lambdactl uses but its
        # import (s3transfer and resources: ~70 ms on every command). Staging's one
        # managed upload borrows boto3's upload_file when it happens (staging.py).
        if lambdactl.ONE_SHOT:
            from lambdactl import leanimports, modelcache

            leanimports.install()   # botocore.docs imported when a docstring is read, not at import
            modelcache.install_names()   # the operations' Python names, from the cache
        import botocore.exceptions
        import botocore.session

        if lambdactl.ONE_SHOT:
            from lambdactl import botoquick, modelcache

            botoquick.install(modelcache.directory() / f"event-names-{botocore.__version__}")
        if self.target.is_local:
            # The sandbox: its own credentials (state file), no profile or ~/.aws lookups.
            from lambdactl.local.control import credentials

            core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
            core.set_credentials(*credentials())
        else:
            core = botocore.session.Session(profile=self.target.profile)
        core.register_component("data_loader", _quick_loader())
        if self.target.region:
            core.set_config_variable("region", self.target.region)
        try:
            core.get_scoped_config()  # an unknown --profile fails here, not mid-run
        except botocore.exceptions.ProfileNotFound as exc:
            raise LambdactlError(
                f"AWS profile {self.target.profile!r} not found",
                "list profiles with `aws configure list-profiles` or drop --profile",
            ) from exc
        return core

    def _get_session(self) -> Any:
        with self._lock:
            if self._session is None:
                self._session = self._make_session()
            return self._session

    def credentials(self) -> Any:
        """The session's credentials (to sign a request that is no API call: a function URL)."""
        self.region  # noqa: B018 - builds the session
        return self._get_session().get_credentials()

    def client(self, service: str) -> Any:
        if service in self._clients:
            return self._clients[service]
        self.region  # noqa: B018 - builds the session; no region is one clear error
        with self._lock:
            if service in self._clients:
                return self._clients[service]
            # Standard retry mode: throttling and 5xx retried with jittered backoff.
            # The sandbox answers in milliseconds or not at all (a stopped process
            # still accepts connections): a few seconds, one retry, not minutes.
            local = self.target.is_local
            self._clients[service] = self._new_client(
                service, 1 if local else self._max_attempts, read_timeout=LOCAL_READ_TIMEOUT if local else 70,
                connect_timeout=2 if local else 10,
                max_pool_connections=64,  # plan.py runs up to 32 reads / 16 chains at once
            )
            return self._clients[service]

    def invoke_client(self, function_timeout: int, margin: int = INVOKE_MARGIN) -> Any:
        """A Lambda client for one RequestResponse Invoke.

        A retried Invoke runs the handler again (with the user's side effects), and a
        read timeout or 5xx may come after it ran: so one attempt only, and a read
        timeout above the function's own (MARGIN covers init and the network).
        invoke.send retries what never reached Lambda: failed connections.
        """
        self.region  # noqa: B018 - builds the session; no region is one clear error
        return self._new_client("lambda", 0, read_timeout=function_timeout + margin, connect_timeout=10)

    def transfer_client(self) -> Any:
        """An S3 client for managed transfers (upload, staging): S3 answers a large
        CompleteMultipartUpload only once it has joined the parts. On the sandbox that
        outlasted the shared client's read timeout, whose retry then found the upload
        gone (moto: 500). AWS keeps the connection alive meanwhile; its default stands."""
        if not self.target.is_local:
            return self.client("s3")
        if "s3-transfer" not in self._clients:
            self.region  # noqa: B018 - builds the session; no region is one clear error
            with self._lock:  # checked again under the lock: one client, built once
                if "s3-transfer" not in self._clients:
                    self._clients["s3-transfer"] = self._new_client(
                        "s3", 0, read_timeout=TRANSFER_READ_TIMEOUT, connect_timeout=2, max_pool_connections=16)
        return self._clients["s3-transfer"]

    def _new_client(self, service: str, retries: int, **config: Any) -> Any:
        from botocore.config import Config

        # A client is ~100k long-lived objects (its service model): build it
        # without cycle collections, and (in a one-command process) keep later
        # collections off it. Frozen objects are never freed, garbage included: a
        # long-lived process (the test suite, `dev`) must not freeze (lambdactl.ONE_SHOT).
        collecting = gc.isenabled()
        gc.disable()
        try:
            with self._tls.building():   # the shared TLS context, not one of its own to drop (tls.py)
                client = self._session.create_client(  # built by self.region, under the lock
                    service, endpoint_url=self.target.endpoint_url,
                    config=Config(retries={"mode": "standard", "max_attempts": retries}, **config),
                )
        finally:
            if lambdactl.ONE_SHOT:
                gc.freeze()
            if collecting:
                gc.enable()
        self._tls.adopt(client)
        client.meta.events.register("before-call.*.*", self.counter)
        for event, handler in self._hooks:
            client.meta.events.register(event, handler)
        return client

    @property
    def region(self) -> str:
        region = self._get_session().get_config_variable("region")
        if not region:
            raise LambdactlError(
                "no AWS region configured",
                "set region in lambdactl.toml, pass --region, or export AWS_REGION",
            )
        return str(region)

    @property
    def account_id(self) -> str:
        """The account of the credentials in use; GetCallerIdentity once per access key.

        An access key id belongs to one account for its whole life, so the answer
        is cached in $LAMBDACTL_HOME/accounts.json (keyed with the endpoint): a
        round trip saved on every later command. Reads side by side that need it
        wait for one answer rather than each asking.
        """
        with self._account_lock:
            if self._account_id is None:
                key = self._account_cache_key()
                cached = accounts.read().get(key) if key else None
                if cached:
                    self._account_id = cached
                else:
                    ident = self.client("sts").get_caller_identity()
                    self._account_id = str(ident["Account"])
                    if key:
                        accounts.remember(key, self._account_id)
            return self._account_id

    def account_known(self) -> bool:
        """True if account_id will not cost a round trip (the sandbox's costs a millisecond)."""
        if self.target.is_local:
            return bool(self.account_id)
        if self._account_id is None:
            key = self._account_cache_key()
            self._account_id = accounts.read().get(key) if key else None
        return self._account_id is not None

    def _account_cache_key(self) -> str | None:
        if self.target.is_local:
            return None  # the sandbox answers in a millisecond; nothing to save
        creds = self._get_session().get_credentials()
        access_key = getattr(creds, "access_key", None) if creds else None
        if not access_key:
            return None
        return f"{self.target.endpoint_url or 'aws'} {access_key}"

    @property
    def partition(self) -> str:
        region = self.region
        if region.startswith("cn-"):
            return "aws-cn"
        if region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    @property
    def target_key(self) -> str:
        """Key of this target in the state journal: account, region, endpoint."""
        return f"{self.account_id}/{self.region}/{self.where}"

    @property
    def where(self) -> str:
        # The sandbox may come back on another port: it is one target, "local".
        return "local" if self.target.is_local else (self.target.endpoint_url or "aws")


def _quick_loader() -> Any:
    """botocore's data loader without three costs it pays on every process (~70 ms).

    Upstream checks a service name against a listing of ~400 service directories
    in three search paths (~900 listdir calls), and parses its JSON models into
    OrderedDicts (twice as slow as dicts, which keep order anyway), every time
    (modelcache.py keeps them parsed). lambdactl names its few services itself: an
    unknown one still fails, when its model is loaded.
    """
    from botocore import loaders

    from lambdactl import modelcache

    class Everything:
        def __contains__(self, _: object) -> bool:
            return True

    class FileLoader(loaders.JSONFileLoader):
        def _load_file(self, full_path: str, open_method: Any) -> Any:
            return modelcache.load(full_path, open_method)

    class Loader(loaders.Loader):
        def list_available_services(self, type_name: str) -> Any:
            return Everything()

    return Loader(file_loader=FileLoader())


def env_region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
