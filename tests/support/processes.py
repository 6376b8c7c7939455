"""Processes seen from /proc (psutil is not a dependency): what the signal and fault tests check
that a stop or a kill left behind."""

from __future__ import annotations

from pathlib import Path


def _stat(pid: int | str) -> list[str]:
    """/proc/<pid>/stat after "pid (comm)": state, ppid, ..."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def children(pid: int) -> set[int]:
    """Live processes whose parent is `pid` (zombies left out)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, parent = _stat(entry.name)[:2]
        except OSError:
            continue
        if int(parent) == pid and state != "Z":
            found.add(int(entry.name))
    return found


def descendants(pid: int) -> set[int]:
    """Children, their children, and so on."""
    found, todo = set(), [pid]
    while todo:
        for child in children(todo.pop()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running, not a zombie."""
    try:
        return _stat(pid)[0] != "Z"
    except OSError:
        return False
