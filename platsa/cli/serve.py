"""``platsa serve`` runs the API; ``platsa users`` creates, lists, revokes and (de)activates
API users and their keys (revocations bite on the next request of every running worker).

``serve`` migrates the database once, before any worker starts (workers only check the
schema), then hands over to uvicorn. Several workers are forked from one process that has
imported the API once (:mod:`platsa.cli.workers`); each loads its own copy of the taxonomy,
the champion model and the opening index, so on a two-core machine two workers serve about
twice the requests of one; past one machine, run replicas behind a load balancer
(docs/deployment.md).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer

from platsa.cli.common import errors_as_lines, print_json

if TYPE_CHECKING:
    import uvicorn
    from sqlalchemy.orm import Session

T = TypeVar("T")

WORKER_START_SECONDS = 120
#: How often each of several workers syncs with the store unless PLATSA_INDEX_REFRESH_SECONDS
#: says otherwise: postings and bookings made through another worker show within this time.
SEVERAL_WORKERS_REFRESH_SECONDS = 60
#: Thread pools each worker's numerical libraries start with: one, since concurrency comes
#: from workers and requests, and several threads per request only fight over the cores.
#: Set before the libraries load (worker processes inherit it); a user's own value wins.
SINGLE_THREADED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

Role = Annotated[str, typer.Option("--role", help="coach, employer, data_scientist or admin.")]


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (PLATSA_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (PLATSA_PORT).")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (PLATSA_WORKERS); ~1 per core.")
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log every request line.")] = False,
    preload: Annotated[bool, typer.Option(
        help="Fork several workers from one process that has imported the API (fast worker "
             "starts and restarts, shared memory); --no-preload starts each as a fresh "
             "interpreter.")] = True,
) -> None:
    """Run the API with uvicorn (OpenAPI docs at /docs, metrics at /metrics, liveness at
    /health, readiness at /ready)."""
    for name, value in SINGLE_THREADED.items():
        os.environ.setdefault(name, value)
    import uvicorn

    from matcher.store.engine import init_db, masked_url
    from platsa.settings import get_settings
    from serving.logs import log_config

    with errors_as_lines():
        settings = get_settings()
        settings.paths.ensure_home()
        engine = init_db(settings.paths.resolved_database_url)
        typer.echo(f"database {masked_url(engine.url)} is up to date", err=True)
        engine.dispose()
    count = workers or settings.serving.workers
    refresh = (settings.serving.index_refresh_seconds
               if "index_refresh_seconds" in settings.serving.model_fields_set else None)  # set by the user
    for name, value in several_workers_environment(count, refresh).items():
        os.environ[name] = value
        typer.echo(f"{count} workers: each re-reads the openings every {value} s ({name})",
                   err=True)
    config = uvicorn.Config(
        "serving.worker:create_app",  # serving.app's, imported with the collector paused
        factory=True,
        host=host or settings.serving.host,
        port=port or settings.serving.port,
        workers=count,
        access_log=access_log,
        log_config=log_config(settings.serving.log_format),
        log_level="info",
        # A worker indexes every opening before it answers the supervisor's pings; on a busy
        # machine that takes longer than uvicorn's 5 s default, which would kill it mid-start.
        timeout_worker_healthcheck=WORKER_START_SECONDS,
    )
    with metrics_folder(count) as folder:
        if folder is not None:
            typer.echo(f"{count} workers: metrics are added up across them in {folder} "
                       "(PROMETHEUS_MULTIPROC_DIR)", err=True)
        run_uvicorn(config, preload=preload)


@contextmanager
def metrics_folder(workers: int) -> Iterator[Path | None]:
    """Prometheus' multiprocess folder for the workers, emptied at start (values from an
    earlier run would be added in); None for one worker, which counts in memory.

    The user's PROMETHEUS_MULTIPROC_DIR is used, for any number of workers; otherwise several
    workers get a fresh temporary folder, removed when they stop. Set before any worker
    starts: prometheus_client reads it when a worker imports it.
    """
    from serving.metrics import MULTIPROCESS_VARIABLE

    given = os.environ.get(MULTIPROCESS_VARIABLE)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        yield folder
        return
    if workers == 1:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="platsa-metrics-"))
    os.environ[MULTIPROCESS_VARIABLE] = str(folder)
    try:
        yield folder
    finally:
        del os.environ[MULTIPROCESS_VARIABLE]
        shutil.rmtree(folder, ignore_errors=True)


def several_workers_environment(workers: int, refresh_seconds: float | None) -> dict[str, str]:
    """Settings several workers need that one does not: a periodic sync of the openings.

    A worker sees its own writes at once, but openings posted or booked through another
    worker only when it syncs with the store (:meth:`serving.matching.MatchingService.sync`).
    ``refresh_seconds`` is the user's PLATSA_INDEX_REFRESH_SECONDS, None when unset; a value
    the user set (0 included: never) is kept.
    """
    if workers > 1 and refresh_seconds is None:
        return {"PLATSA_INDEX_REFRESH_SECONDS": str(SEVERAL_WORKERS_REFRESH_SECONDS)}
    return {}


def tcp_listener(config: uvicorn.Config) -> socket.socket:
    """The bound listening socket, marked as TCP so every accepted connection gets TCP_NODELAY.

    uvicorn binds it with ``proto`` 0; accepted sockets inherit that, and asyncio only turns
    Nagle off when ``proto`` is ``IPPROTO_TCP`` (uvicorn issue #3149). Left so, each
    keep-alive response waits for the client's delayed ACK: ~40 ms per request on Linux,
    which was most of a suggestion's latency once the service ran more than one worker.
    """
    sock = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto != socket.IPPROTO_TCP:
        sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
    return sock


def _reuse_port_socket(family: int) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    return sock


def _worker_socket(family: int, address: tuple[Any, ...], backlog: int) -> socket.socket:
    """A worker's own listening socket on the shared port (what a :class:`WorkerListener`
    becomes when it reaches the worker)."""
    sock = _reuse_port_socket(family)
    sock.bind(address)
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


@dataclass(frozen=True)
class WorkerListener:
    """One port, one listening socket per worker: the kernel spreads new connections.

    With one socket shared by every worker, whichever worker's event loop wakes first
    accepts every pending connection at once, and a keep-alive connection stays with the
    worker that accepted it. Clients that connect together (a load balancer's pool, the
    load benchmark) then pile onto one worker: one run split 16 connections 15 to 1, so
    half the machine's throughput went to one client. With ``SO_REUSEPORT`` each worker
    listens on its own socket and Linux hashes each new connection to one of them.

    uvicorn hands its workers the parent's sockets by pickling them; this object pickles
    as "bind a fresh socket on this port", so each worker unpickles its own.
    """

    family: int
    address: tuple[Any, ...]
    backlog: int

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return _worker_socket, (self.family, self.address, self.backlog)

    @classmethod
    def reserve(cls, config: uvicorn.Config) -> tuple[WorkerListener, socket.socket]:
        """The listener for ``config``'s host and port, and a socket bound (not listening) to
        it that the parent keeps: it turns port 0 into a real port, fails at once when the
        port is taken, and holds the port while workers start."""
        family, _, _, _, address = socket.getaddrinfo(
            config.host, config.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)[0]
        holder = _reuse_port_socket(family)
        try:
            holder.bind(address)
        except OSError as error:
            holder.close()
            raise OSError(f"cannot listen on {config.host}:{config.port}: {error.strerror}") from error
        return cls(family, holder.getsockname(), config.backlog), holder


def run_uvicorn(config: uvicorn.Config, preload: bool = True) -> None:
    """What ``uvicorn.run`` does for one or several workers, on sockets marked TCP (see
    :func:`tcp_listener`); several workers listen each on their own (:class:`WorkerListener`)
    where the platform has ``SO_REUSEPORT``, forked from a preloaded process unless
    ``preload`` is off (:mod:`platsa.cli.workers`)."""
    import uvicorn

    from platsa.cli.workers import PRELOAD, Supervisor, preloaded_workers

    if config.workers == 1:
        uvicorn.Server(config).run(sockets=[tcp_listener(config)])
        return
    with preloaded_workers(PRELOAD if preload else ()), ExitStack() as stack:
        if hasattr(socket, "SO_REUSEPORT") and not (config.uds or config.fd):
            listener, holder = WorkerListener.reserve(config)
            stack.enter_context(holder)
            sockets = [cast(socket.socket, listener)]
        else:
            sockets = [tcp_listener(config)]
        Supervisor(config, sockets=sockets).run()


@contextmanager
def _store() -> Iterator[Session]:
    """One transaction on the migrated store of the current settings."""
    from matcher.store.engine import init_db, session_scope
    from platsa.settings import get_settings

    settings = get_settings()
    settings.paths.ensure_home()
    engine = init_db(settings.paths.resolved_database_url)
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def _in_store(work: Callable[[Session], T]) -> T:
    """Run ``work`` in one transaction; expected errors become one line."""
    with errors_as_lines(), _store() as session:
        return work(session)


def create_user(
    name: Annotated[str, typer.Option("--name", help="Who the key is for.")],
    role: Role,
    municipality: Annotated[
        str | None, typer.Option("--municipality", help="Kommunkod (required for coaches).")
    ] = None,
    employer: Annotated[
        str | None, typer.Option("--employer", help="Employer id (required for employer users).")
    ] = None,
    coach: Annotated[
        str | None, typer.Option("--coach", help="The coach record a coach user is (their "
                                 "caseload: participants with this coach_id).")
    ] = None,
) -> None:
    """Create an API user and print its key once (only a digest is stored)."""
    from platsa.services.security import Role as RoleName
    from serving.accounts import create_user as store_user

    def create(session: Session) -> dict[str, Any]:
        try:
            role_name = RoleName(role)
        except ValueError:
            raise ValueError(
                f"--role {role!r} is not one of {', '.join(r.value for r in RoleName)}"
            ) from None
        user, key = store_user(session, name, role_name, municipality_code=municipality,
                               employer_id=employer, coach_id=coach)
        return {"id": user.id, "name": user.name, "role": user.role,
                "municipality_code": user.municipality_code, "employer_id": user.employer_id,
                "coach_id": user.coach_id, "api_key": key}

    print_json(_in_store(create))
    typer.echo("store the api_key now: it is not shown again", err=True)


UserName = Annotated[str, typer.Argument(help="The user's id, or their name when it is unique.")]


def revoke(
    prefix: Annotated[str | None, typer.Argument(
        help="The key's prefix (psk_ and six characters, see `platsa users list`).")] = None,
    user: Annotated[str | None, typer.Option(
        "--user", help="Revoke every key of this user (id or unique name) instead.")] = None,
) -> None:
    """Revoke a key, or all keys of a user: refused from the next request in every worker."""
    from platsa.services.security import operator
    from serving import audit, revocation
    from serving.accounts import find_user
    from serving.audit import Action

    def work(session: Session) -> list[str]:
        user_id = None if user is None else find_user(session, user).id
        revoked = revocation.revoke_keys(session, prefix=prefix, user_id=user_id)
        for revoked_prefix in revoked:
            audit.record(session, operator(), Action.KEY_REVOKE, "api_key", revoked_prefix)
        return revoked

    print_json({"revoked": _in_store(work)})


def _set_active(name: str, active: bool) -> None:
    from platsa.services.security import operator
    from serving import audit, revocation
    from serving.accounts import find_user
    from serving.audit import Action

    def work(session: Session) -> dict[str, Any]:
        user_id = find_user(session, name).id
        row = revocation.set_active(session, user_id, active)
        audit.record(session, operator(), Action.USER_ACTIVATE if active
                     else Action.USER_DEACTIVATE, "user", user_id)
        return {"id": row.id, "name": row.name, "active": row.active}

    print_json(_in_store(work))


def deactivate(name: UserName) -> None:
    """Deactivate a user: their keys and browser sessions are refused from the next request."""
    _set_active(name, False)


def activate(name: UserName) -> None:
    """Let a deactivated user in again (with their keys that are not revoked)."""
    _set_active(name, True)


def list_users() -> None:
    """Every user with their keys' prefixes (never the keys) and whether each still works."""
    from serving.accounts import users_with_keys

    def work(session: Session) -> list[dict[str, Any]]:
        return [{"id": user.id, "name": user.name, "role": user.role,
                 "municipality_code": user.municipality_code, "employer_id": user.employer_id,
                 "active": user.active,
                 "keys": [{"prefix": key.prefix, "created_at": key.created_at,
                           "revoked": key.revoked_at is not None} for key in keys]}
                for user, keys in users_with_keys(session)]

    print_json(_in_store(work))


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``users`` to ``app``."""
    app.command("serve")(serve)
    users_app = typer.Typer(help="API users and their keys.", no_args_is_help=True)
    users_app.command("create")(create_user)
    users_app.command("list")(list_users)
    users_app.command("revoke")(revoke)
    users_app.command("deactivate")(deactivate)
    users_app.command("activate")(activate)
    app.add_typer(users_app, name="users")
