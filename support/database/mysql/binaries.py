"""The MariaDB server binaries the ``mariadb`` provider starts: found, versioned, and a data directory initialised
once per binary (cached under the scratch root, then only copied)."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from support.database import server_process
from support.database.account import Account
from support.database.server import ProviderUnavailable
from support.processes import die_with_parent

SERVERS = ("mariadbd", "mysqld")  # MariaDB's server, by its name since 10.5 and by the old one
INSTALLERS = ("mariadb-install-db", "mysql_install_db")
DEFAULT_PLACES = (Path("/usr/sbin"), Path("/usr/bin"), Path("/usr/local/mysql/bin"))  # beside PATH
MINIMUM = (10, 4)  # as support.database.mysql.server.MINIMUM["MariaDB"]
INSTALL_TIMEOUT = 120.0
INSTALL_HINT = "install Debian's mariadb-server package (apt-get install mariadb-server)"

# The server's settings, for the initialisation and every start: throwaway data, kept small and fast
SETTINGS = (
    "--innodb-log-file-size=4M",  # the redo log is 96 MiB by default: a smaller directory to cache and copy
    "--innodb-buffer-pool-size=16M",
    "--innodb-flush-method=fsync",  # tmpfs (/dev/shm) has no O_DIRECT
    "--innodb-flush-log-at-trx-commit=0",
    "--innodb-doublewrite=0",
    "--skip-name-resolve",
)


@dataclass(frozen=True)
class MariadbBinaries:
    server: Path
    installer: Path
    version: str  # e.g. "10.11.19-MariaDB-0+deb12u1"

    @property
    def short_version(self) -> str:
        return re.match(r"[\d.]+", self.version).group() + "-MariaDB"


def find(bin_dir: Path | None) -> MariadbBinaries:
    """The server and its installer: in ``bin_dir`` (or its sibling bin/ and sbin/), else on PATH or in /usr/sbin."""
    if bin_dir is not None:
        places = [bin_dir, bin_dir.parent / "bin", bin_dir.parent / "sbin"]
        where = f"in {bin_dir}"
        fix = "point --mariadb-bin at the directory holding mariadbd, or " + INSTALL_HINT
    else:
        places = [Path(path) for path in os.environ.get("PATH", "").split(os.pathsep) if path] + list(DEFAULT_PLACES)
        where = "on PATH or in /usr/sbin"
        fix = INSTALL_HINT + ", or point --mariadb-bin at a directory holding mariadbd"
    server, installer = _first(places, SERVERS), _first(places, INSTALLERS)
    if server is None or installer is None:
        lacking = "mariadbd" if server is None else "mariadb-install-db"
        raise ProviderUnavailable(f"no MariaDB server binaries ({lacking}) {where}: {fix}")
    return MariadbBinaries(server, installer, _version(server))


def _first(places: list[Path], names: tuple[str, ...]) -> Path | None:
    for place in places:
        for name in names:
            if os.access(place / name, os.X_OK) and (place / name).is_file():
                return place / name
    return None


@functools.cache
def _version(server: Path) -> str:
    """``mariadbd --version``'s version; refuses a server that is not MariaDB, or too old."""
    answer = subprocess.run([str(server), "--version"], capture_output=True, text=True, cwd="/")
    # "mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)"
    found = re.search(r"Ver (\S+)", answer.stdout)
    if answer.returncode or not found:
        raise ProviderUnavailable(f"{server} --version did not answer as a MariaDB server does: {INSTALL_HINT}")
    version = found.group(1)
    if "mariadb" not in version.lower():
        raise ProviderUnavailable(
            f"{server} is MySQL {version}, and --db=mariadb starts MariaDB: {INSTALL_HINT}, or give MySQL's URL "
            "(--db=url --db-url=mysql+pymysql://...)"
        )
    number = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
    if number < MINIMUM:
        raise ProviderUnavailable(
            f"{server} is MariaDB {version}, older than {'.'.join(map(str, MINIMUM))}, the oldest the specification "
            f"runs on: {INSTALL_HINT} of a newer release, or point --mariadb-bin at one"
        )
    return version


def cache_key(binaries: MariadbBinaries) -> str:
    """Version plus a digest of the server binary and the settings: a rebuilt binary gets a new data directory."""
    digest = hashlib.sha256(binaries.server.read_bytes())
    digest.update(" ".join(SETTINGS).encode())
    return f"{binaries.short_version}-{digest.hexdigest()[:12]}"


def cached_data_directory(binaries: MariadbBinaries, account: Account, root: Path) -> tuple[Path, bool]:
    """The initialised data directory for these binaries, made now if absent; and whether it was there."""

    def install(building: Path) -> None:
        command = [
            str(binaries.installer),
            "--no-defaults",
            f"--datadir={building}",
            "--auth-root-authentication-method=normal",  # root@localhost without a password, on the socket only
            "--skip-test-db",
            *SETTINGS,
        ]
        if binaries.server.parent not in (Path("/usr/sbin"), Path("/usr/bin")):  # the installer finds those itself
            command.append(f"--basedir={binaries.server.parent.parent}")
        try:
            installed = subprocess.run(
                command,
                capture_output=True,
                text=True,
                cwd="/",
                timeout=INSTALL_TIMEOUT,
                preexec_fn=die_with_parent(signal.SIGKILL),
                **account.popen_options,
            )
        except subprocess.TimeoutExpired:
            installed = None
        if installed is None or installed.returncode:
            problem = _problem_line(installed.stdout + installed.stderr) if installed else "it did not end in time"
            raise ProviderUnavailable(
                f"{binaries.installer.name} failed in {building.parent}: {problem}: free space under {root}, or point "
                "--mariadb-bin at another MariaDB"
            )

    return server_process.cached_data_directory(root, cache_key(binaries), account, install)


def _problem_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "ERROR" in line or "error" in line.lower()]
    return " ".join((errors or lines or ["no output"])[-1].split())
