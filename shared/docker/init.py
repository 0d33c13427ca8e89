#!/opt/venv/bin/python -IS
"""PID 1 of the connector images: runs the connector as its child, passes signals on, reaps orphans.

A process that is PID 1 in its container gets no default signal action: a connector started as PID 1
ignores the SIGTERM that `docker stop`, Kubernetes and Airbyte send to cancel a sync, and is killed only
after the grace period. As a child of this init the connector keeps the default action, so a SIGTERM
passed on ends it at once; every message it had written before stays on stdout as it was. The init
then exits as the connector did (128 + the signal's number when a signal ended it, as a shell reports).

Started as `cdr-init ARG...` in an image, where `CDR_CONNECTOR` names the connector's console script (the
Dockerfile sets it from the `CONNECTOR_NAME` build argument): it runs `$CDR_CONNECTOR ARG...`. Without
`CDR_CONNECTOR`, `cdr-init COMMAND [ARG...]` runs the command given. Where it is not PID 1 (`docker run --init`, a shared process
namespace) there is nothing to do, and it replaces itself with the command. Standard library only, run
with `-I -S` so that it imports nothing from the connector's environment.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

FORWARDED = (
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGWINCH,
)


def exit_status(wait_status: int) -> int:
    """The exit status a shell would report for a child's wait status."""
    if os.WIFSIGNALED(wait_status):
        return 128 + os.WTERMSIG(wait_status)
    return os.waitstatus_to_exitcode(wait_status)


def command_of(argv: list[str], environ: dict[str, str] | os._Environ[str]) -> list[str]:
    """What to run: the image's connector with the arguments given, or the command given."""
    connector = environ.get("CDR_CONNECTOR", "").strip()
    return [connector, *argv] if connector else list(argv)


def main(argv: list[str]) -> int:
    argv = command_of(argv, os.environ)
    if not argv:
        sys.stderr.write("cdr-init: no command given (and no CDR_CONNECTOR)\n")
        return 2
    if os.getpid() != 1:
        os.execvp(argv[0], argv)

    child = 0
    pending: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        if child:
            with contextlib.suppress(ProcessLookupError):  # the child has already ended: nothing to pass on
                os.kill(child, signum)
        else:
            pending.append(signum)

    # Handlers first, so that no signal is lost between the spawn and the wait.
    for signum in FORWARDED:
        signal.signal(signum, forward)
    mask = set(FORWARDED)
    # Python ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored across exec: reset them too.
    defaults = mask | {signal.SIGPIPE, signal.SIGXFSZ}
    signal.pthread_sigmask(signal.SIG_BLOCK, mask)
    try:
        child = os.posix_spawnp(argv[0], argv, os.environ, setsigdef=defaults, setsigmask=set())
    except OSError as error:
        sys.stderr.write(f"cdr-init: cannot start {argv[0]}: {error.strerror}\n")
        return 127
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, mask)
    for signum in pending:
        os.kill(child, signum)

    while True:
        # Any child, so that orphans re-parented to PID 1 are reaped too; retried after a signal.
        pid, wait_status = os.wait()
        if pid == child:
            return exit_status(wait_status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
