"""Run a command with its output on a pseudo-terminal (as in a user's shell) and read everything it wrote."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def run_on_tty(
    cmd: list[str],
    cwd: Path,
    env: dict[str, str],
    rows: int = 0,
    cols: int = 0,
    stderr_too: bool = True,
    timeout: float = 300,
) -> tuple[int, bytes]:
    """``cmd``'s exit status and the bytes it wrote to the terminal (stdout, and stderr unless ``stderr_too`` is
    false, then stderr is dropped). ``rows``/``cols`` give the terminal a size, as a real one has."""
    import pty

    controller, terminal = pty.openpty()
    if rows and cols:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen(
        cmd, stdout=terminal, stderr=terminal if stderr_too else subprocess.DEVNULL, cwd=cwd, env=env
    )
    os.close(terminal)
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO once the child closed its side
                break
            if not chunk:
                break
            chunks.append(chunk)
        return proc.wait(timeout=timeout), b"".join(chunks)
    finally:
        os.close(controller)
