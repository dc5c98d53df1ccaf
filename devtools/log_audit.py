"""The log audit run last by scripts/test: no log line of the test run holds personal data or a secret.

    python -m devtools.log_audit [--since EPOCH_SECONDS] [--secrets-file FILE] [PATH ...]

Reads every log file written during the test run: everything under $TEST_LOG_DIR
(default var/test-logs/) and var/*.log, or the PATHs given, except the databases and
configuration files tests keep beside their logs (binary files, *.db, *.yml); with
--since, only files modified after that moment. A line is a finding when it holds
- a full mobile number in any form (privacy.masking finds it: groups, +86, full-width...),
- a 6-digit code next to 验证码 or code,
- a JSON Web Token or a `Bearer ...` token,
- the value of a test secret: the SECRET_VARIABLES of privacy.logs in the environment,
  the KEY=VALUE lines of --secrets-file (default $TEST_SECRETS_FILE, then var/secrets.env
  when it exists) and the fixed secrets of tests/services.py.
Each finding is printed masked, as `file:line: kind: excerpt`; the exit status is 1 when
there is any finding, 0 otherwise.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Sequence

from privacy.logs import SECRET_VARIABLES, redact
from privacy.masking import find_personal_data

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LOG_DIR = ROOT / "var" / "test-logs"
# Secrets shorter than this are not searched for (they would match ordinary words).
MIN_SECRET_LENGTH = 6
EXCERPT_CHARS = 160
# Files under the log folder that are state or configuration, not logs.
NOT_LOGS = (".db", ".sqlite", ".sqlite3", ".db-journal", ".db-wal", ".db-shm", ".yml", ".yaml")

# (the gap may hold a masked phone: "code for 138****8000: 482913")
_NAMED_CODE = re.compile(
    r"(?:验证码|(?<![A-Za-z])code)(?:[^\d\n]|\d{3}\*{4}\d{4}){0,30}?(?<!\d)\d{6}(?!\d)", re.IGNORECASE
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"\bBearer\s+(?!\[redacted\])[A-Za-z0-9\-._~+/=]{8,}", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    kind: str
    excerpt: str  # masked

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}: {self.excerpt}"


def _env_file_values(path: Path) -> List[str]:
    values = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        name, sep, value = line.strip().removeprefix("export ").partition("=")
        if sep and not name.startswith("#"):
            values.append(value.strip().strip("'\""))
    return values


def _test_constants() -> List[str]:
    """The fixed secrets of the test kit (tests/services.py), if it is there."""
    try:
        from tests import services
    except Exception:  # the audit also runs where the tests are not importable
        return []
    names = [n for n in vars(services) if n.isupper() and re.search(r"KEY|SECRET|TOKEN|PASSWORD", n)]
    return [v for v in (getattr(services, n) for n in names) if isinstance(v, str)]


def run_secrets(secrets_file: Optional[Path] = None, environ: Optional[dict] = None) -> List[str]:
    """Every secret value of the test run worth searching for, longest first."""
    environ = dict(os.environ) if environ is None else environ
    values = [environ.get(name) or "" for name in SECRET_VARIABLES]
    candidates = [secrets_file, Path(environ["TEST_SECRETS_FILE"]) if environ.get("TEST_SECRETS_FILE") else None]
    candidates.append(ROOT / "var" / "secrets.env")
    for path in candidates:
        if path is not None and path.is_file():
            values += _env_file_values(path)
    values += _test_constants()
    return sorted({v for v in values if len(v) >= MIN_SECRET_LENGTH}, key=len, reverse=True)


def log_files(paths: Sequence[Path] = (), since: Optional[float] = None) -> List[Path]:
    """The files to read: the given paths (files or folders), else the test log folder and var/*.log."""
    if not paths:
        log_dir = Path(os.environ.get("TEST_LOG_DIR") or DEFAULT_LOG_DIR)
        paths = [log_dir, *sorted((ROOT / "var").glob("*.log"))]
    files: List[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file())
        elif path.is_file():
            files.append(path)
    return [f for f in files if (since is None or f.stat().st_mtime >= since) and is_log(f)]


def is_log(path: Path) -> bool:
    """A text file, not a database or configuration a test keeps beside its logs (SQLite holds NUL bytes)."""
    if path.name.endswith(NOT_LOGS):
        return False
    with path.open("rb") as head:
        return b"\0" not in head.read(8192)


def _excerpt(line: str, start: int, secrets: Iterable[str]) -> str:
    lo = max(0, start - EXCERPT_CHARS // 2)
    return redact(line[lo : lo + EXCERPT_CHARS], secrets).strip()


def audit_line(line: str, secrets: Sequence[str]) -> Iterator[tuple]:
    """(kind, position) of everything in one line that must not be in a log."""
    for finding in find_personal_data(line):
        if finding.kind == "phone":
            yield "phone number", finding.start
    for match in _NAMED_CODE.finditer(line):
        yield "verification code", match.start()
    for match in _JWT.finditer(line):
        yield "JWT", match.start()
    for match in _BEARER.finditer(line):
        yield "bearer token", match.start()
    for value in secrets:
        position = line.find(value)
        if position >= 0:
            yield "secret", position


def audit(files: Iterable[Path], secrets: Sequence[str]) -> List[Finding]:
    findings = []
    for path in files:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, 1):
                for kind, position in audit_line(line.rstrip("\n"), secrets):
                    findings.append(Finding(path, number, kind, _excerpt(line, position, secrets)))
    return findings


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the test logs)")
    parser.add_argument("--since", type=float, help="only files modified after this time (seconds since epoch)")
    parser.add_argument("--secrets-file", type=Path, help="KEY=VALUE lines of the test secrets")
    args = parser.parse_args(argv)
    files = log_files(args.paths, args.since)
    findings = audit(files, run_secrets(args.secrets_file))
    for finding in findings:
        print(finding)
    print(f"log audit: {len(files)} files, {len(findings)} findings", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
