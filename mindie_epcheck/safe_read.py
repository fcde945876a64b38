"""Read a file that a config or an option names, without blocking on a FIFO or a device and
without reading more than a limit."""

from __future__ import annotations

import os
import stat


class NotRegularFileError(Exception):
    """The path is a FIFO, a socket, a device or a directory."""


class FileTooLargeError(Exception):
    """The file is larger than the caller's limit."""


def _open_flags() -> int:
    # O_NONBLOCK keeps a FIFO from blocking the open, and fstat then rejects it. Neither flag
    # exists on every platform.
    return os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def read_regular_file(path: str, max_bytes: int) -> bytes:
    """Read a regular file of at most max_bytes, following symlinks.

    Raise OSError when it cannot be opened, NotRegularFileError or FileTooLargeError.
    """
    descriptor = os.open(path, _open_flags())
    try:
        # fstat the open descriptor, not the path, so the checked file is the one read.
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFileError(path)
        if info.st_size > max_bytes:
            raise FileTooLargeError(path)
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            # Read one byte past the limit in case the file grew after fstat.
            data = handle.read(max_bytes + 1)
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:
        raise FileTooLargeError(path)
    return data
