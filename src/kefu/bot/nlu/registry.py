"""One live model per workspace, rebuilt in the background when its knowledge base changes.

Layout under ``root_dir``::

    <workspace>/v000001/{model.json, arrays.npz, manifest.json}
    <workspace>/v000002/...
    <workspace>/CURRENT          # the version being served, e.g. "v000002"

A build trains into a temporary directory, which is renamed to its version directory only when
complete; ``CURRENT`` is then replaced atomically and the in-memory reference swapped under a
lock. Readers take the reference and never see a half-built model; the old model serves until
the swap. A failed build leaves the old model serving and records the error in
:meth:`ModelRegistry.status`. On start a workspace's model is loaded lazily from ``CURRENT`` (or,
if that version is unreadable, the newest readable one).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kefu.bot.nlu import persist
from kefu.bot.nlu.encoder import SentenceEncoder
from kefu.bot.nlu.features import warm_up
from kefu.bot.nlu.kb import KnowledgeBase
from kefu.bot.nlu.model import NluModel
from kefu.bot.nlu.settings import NluSettings
from kefu.bot.nlu.training import train
from kefu.core.errors import InvalidInput, KefuError

log = logging.getLogger(__name__)

_WORKSPACE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
_VERSION_DIR = re.compile(r"^v(\d{6,})$")
CURRENT_FILE = "CURRENT"


@dataclass(frozen=True)
class WorkspaceStatus:
    """What a workspace is serving and what happened to its latest build."""

    workspace_id: str
    version: int | None
    building: bool
    last_error: str | None
    last_error_at: str | None
    last_built_at: str | None


class BuildSuperseded(KefuError):
    """A newer knowledge base for the same workspace was submitted before this build began."""

    code = "nlu_build_superseded"
    status = 409


@dataclass
class _Slot:
    model: NluModel | None = None
    loaded: bool = False
    building: int = 0
    ticket: int = 0
    last_error: str | None = None
    last_error_at: str | None = None
    last_built_at: str | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ModelRegistry:
    """Per-workspace models: ``get`` to serve, ``update`` to rebuild in the background.

    ``keep`` is how many versions stay on disk per workspace (the served one included).
    ``trainer`` is the training function (tests pass one that fails or waits).
    """

    def __init__(
        self,
        root_dir: str | os.PathLike[str],
        *,
        settings: NluSettings | None = None,
        encoder: SentenceEncoder | None = None,
        keep: int = 3,
        trainer: Callable[..., NluModel] = train,
    ) -> None:
        if keep < 1:
            raise InvalidInput("keep must be at least 1")
        self.root = Path(root_dir)
        self.settings = settings or NluSettings()
        self.encoder = encoder
        self.keep = keep
        self._trainer = trainer
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.Lock()
        self._build_locks: dict[str, threading.RLock] = {}
        self._executor: ThreadPoolExecutor | None = None
        self._closed = False

    @property
    def encoder_identity(self) -> str | None:
        """Identity of the encoder new models are trained with (None: no encoder)."""
        return None if self.encoder is None else self.encoder.identity

    def serves(self, model: NluModel, fingerprint: str) -> bool:
        """Whether ``model`` is what this registry would build for knowledge ``fingerprint``
        now: the same knowledge, and the encoder currently configured."""
        return (
            model.meta.fingerprint == fingerprint
            and model.meta.encoder_identity == self.encoder_identity
        )

    # serving -----------------------------------------------------------------------------

    def preload(self, workspace_ids: list[str]) -> None:
        """Load these workspaces' models and the language resources now (blocking), so the
        first message of each does not wait for disk or dictionaries."""
        warm_up()
        for workspace_id in workspace_ids:
            self.get(workspace_id)

    def get(self, workspace_id: str) -> NluModel | None:
        """The model serving ``workspace_id`` now, or None if it never had one."""
        slot = self._slot(workspace_id)
        if not slot.loaded:
            self._load_latest(workspace_id, slot)
        return slot.model

    def status(self, workspace_id: str) -> WorkspaceStatus:
        model = self.get(workspace_id)
        slot = self._slot(workspace_id)
        with self._lock:
            return WorkspaceStatus(
                workspace_id=workspace_id,
                version=None if model is None else model.version,
                building=slot.building > 0,
                last_error=slot.last_error,
                last_error_at=slot.last_error_at,
                last_built_at=slot.last_built_at,
            )

    # building ----------------------------------------------------------------------------

    def build(self, workspace_id: str, kb: KnowledgeBase) -> NluModel:
        """Train, persist and swap in a new model now; errors propagate (old model stays)."""
        if not isinstance(kb, KnowledgeBase):
            raise InvalidInput("build() needs a KnowledgeBase")
        return self._run(workspace_id, kb, self._take_ticket(workspace_id))

    def _take_ticket(self, workspace_id: str) -> int:
        slot = self._slot(workspace_id)
        with self._lock:
            slot.ticket += 1
            return slot.ticket

    def _run(self, workspace_id: str, kb: KnowledgeBase, ticket: int) -> NluModel:
        slot = self._slot(workspace_id)
        with self._lock:
            slot.building += 1
        try:
            return self._build(workspace_id, kb, slot, ticket)
        except BuildSuperseded:
            raise
        except Exception as exc:
            with self._lock:
                slot.last_error = f"{type(exc).__name__}: {exc}"
                slot.last_error_at = _now()
            raise
        finally:
            with self._lock:
                slot.building -= 1

    def update(self, workspace_id: str, kb: KnowledgeBase) -> Future[NluModel]:
        """Validate now, build in the background; the future gives the new model or the error.

        Builds of one workspace never overlap. When several updates of one workspace wait, only
        the newest is built; the futures of the others raise :class:`BuildSuperseded`.
        """
        if not isinstance(kb, KnowledgeBase):
            raise InvalidInput("update() needs a KnowledgeBase")
        ticket = self._take_ticket(workspace_id)
        with self._lock:
            if self._closed:
                raise InvalidInput("the model registry is closed")
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=2, thread_name_prefix="kefu-nlu-build"
                )
            executor = self._executor
        return executor.submit(self._background_build, workspace_id, kb, ticket)

    def close(self, *, wait: bool = True) -> None:
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=not wait)

    def __enter__(self) -> ModelRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # internals ---------------------------------------------------------------------------

    def _background_build(self, workspace_id: str, kb: KnowledgeBase, ticket: int) -> NluModel:
        try:
            return self._run(workspace_id, kb, ticket)
        except BuildSuperseded:
            raise
        except Exception:
            log.exception("NLU model build failed for workspace %s", workspace_id)
            raise

    def _build(self, workspace_id: str, kb: KnowledgeBase, slot: _Slot, ticket: int) -> NluModel:
        with self._build_lock(workspace_id):
            with self._lock:
                if ticket != slot.ticket:
                    raise BuildSuperseded(
                        f"workspace {workspace_id}: a newer knowledge base replaced this one"
                    )
            if not slot.loaded:
                self._load_latest(workspace_id, slot)
            model = self._trainer(kb, settings=self.settings, encoder=self.encoder)
            workspace_dir = self.root / workspace_id
            workspace_dir.mkdir(parents=True, exist_ok=True)
            version = self._next_version(workspace_dir)
            model = model.with_version(version)
            staging = Path(tempfile.mkdtemp(prefix=".build-", dir=workspace_dir))
            try:
                persist.save(model, staging)
                os.replace(staging, workspace_dir / f"v{version:06d}")
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            self._write_current(workspace_dir, version)
            with self._lock:
                slot.model = model
                slot.loaded = True
                slot.last_error = None
                slot.last_error_at = None
                slot.last_built_at = _now()
            self._prune(workspace_dir, version)
            return model

    def _slot(self, workspace_id: str) -> _Slot:
        self._check_id(workspace_id)
        with self._lock:
            slot = self._slots.get(workspace_id)
            if slot is None:
                slot = self._slots[workspace_id] = _Slot()
            return slot

    def _build_lock(self, workspace_id: str) -> threading.RLock:
        with self._lock:
            lock = self._build_locks.get(workspace_id)
            if lock is None:
                lock = self._build_locks[workspace_id] = threading.RLock()
            return lock

    @staticmethod
    def _check_id(workspace_id: str) -> None:
        if not isinstance(workspace_id, str) or not _WORKSPACE_ID.match(workspace_id):
            raise InvalidInput(
                "workspace id must be 1-128 letters, digits, '-' or '_' and start with a "
                f"letter or digit; got {workspace_id!r}"
            )

    @staticmethod
    def _versions(workspace_dir: Path) -> list[int]:
        if not workspace_dir.is_dir():
            return []
        found = []
        for entry in workspace_dir.iterdir():
            match = _VERSION_DIR.match(entry.name)
            if match and entry.is_dir():
                found.append(int(match.group(1)))
        return sorted(found)

    def _next_version(self, workspace_dir: Path) -> int:
        versions = self._versions(workspace_dir)
        return (versions[-1] if versions else 0) + 1

    @staticmethod
    def _write_current(workspace_dir: Path, version: int) -> None:
        tmp = workspace_dir / f".{CURRENT_FILE}.{os.getpid()}.{threading.get_ident()}"
        with tmp.open("w", encoding="ascii") as handle:
            handle.write(f"v{version:06d}\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, workspace_dir / CURRENT_FILE)

    def _prune(self, workspace_dir: Path, serving: int) -> None:
        old = [v for v in self._versions(workspace_dir) if v != serving]
        for version in old[: max(0, len(old) - (self.keep - 1))]:
            shutil.rmtree(workspace_dir / f"v{version:06d}", ignore_errors=True)

    def _load_latest(self, workspace_id: str, slot: _Slot) -> None:
        """Load CURRENT, else the newest readable version; remember why others were skipped."""
        with self._build_lock(workspace_id):
            if slot.loaded:
                return
            workspace_dir = self.root / workspace_id
            candidates = list(reversed(self._versions(workspace_dir)))
            current = workspace_dir / CURRENT_FILE
            if current.is_file():
                match = _VERSION_DIR.match(current.read_text("ascii").strip())
                if match:
                    wanted = int(match.group(1))
                    candidates = [wanted] + [v for v in candidates if v != wanted]
            model: NluModel | None = None
            problems: list[str] = []
            for version in candidates:
                try:
                    loaded = persist.load(workspace_dir / f"v{version:06d}", encoder=self.encoder)
                except KefuError as exc:
                    problems.append(f"v{version:06d}: {exc.message}")
                    continue
                model = loaded.with_version(version)
                break
            with self._lock:
                slot.model = model
                slot.loaded = True
                if problems:
                    slot.last_error = "; ".join(problems)
                    slot.last_error_at = _now()
            for problem in problems:
                log.warning("skipped unreadable NLU model of %s: %s", workspace_id, problem)
