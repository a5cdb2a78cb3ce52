"""Pseudonymise personal data: a keyed hash (HMAC-SHA256) with a secret kept outside the repo.

The same token (or e-mail, name, phone) always gives the same pseudonym on one machine, so
responses can still be linked across snapshots, but nobody without the secret can reverse it or
test a guess. The secret is read from the file named by ``CCHC_SURVEY_SECRET_FILE``, else
``~/.config/cchc_survey/secret``; when the file does not exist it is created with 32 random bytes
and permissions ``0600``. Never commit it; losing it only breaks linking to earlier pseudonyms.

Formula: ``pseudonym(x) = hex(HMAC-SHA256(secret, NFC(strip(x))))[:24]`` (96 bits).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

import pandas as pd

from .errors import CchcSurveyError
from .text import nfc

ENV_VAR = "CCHC_SURVEY_SECRET_FILE"
DEFAULT_PATH = Path("~/.config/cchc_survey/secret")
PSEUDONYM_CHARS = 24


class SecretError(CchcSurveyError):
    """The pseudonymisation secret cannot be read or created."""


def secret_path() -> Path:
    """Where the secret lives: ``$CCHC_SURVEY_SECRET_FILE`` or ``~/.config/cchc_survey/secret``."""
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env).expanduser() if env else DEFAULT_PATH.expanduser()


def load_secret(path: Path | None = None) -> bytes:
    """Read the secret, creating it (32 random bytes, mode 0600) on first use."""
    p = path or secret_path()
    try:
        if not p.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
        mode = stat.S_IMODE(p.stat().st_mode)
        if mode & 0o077:
            raise SecretError(f"{p}: the pseudonymisation secret is readable by other users "
                              f"(mode {mode:o}). Fix: chmod 600 {p}")
        key = p.read_bytes()
    except OSError as exc:
        raise SecretError(f"{p}: cannot read or create the pseudonymisation secret ({exc}). "
                          f"Fix: make the folder writable or set {ENV_VAR} to another file.") from None
    if len(key) < 16:
        raise SecretError(f"{p}: the secret is shorter than 16 bytes. Fix: delete the file to "
                          "create a new one (earlier pseudonyms will no longer match).")
    return key


def pseudonym(value: str, key: bytes | None = None) -> str:
    """The pseudonym of one value (see the module docstring for the formula)."""
    k = key if key is not None else load_secret()
    return hmac.new(k, nfc(value.strip()).encode("utf-8"), hashlib.sha256).hexdigest()[
        :PSEUDONYM_CHARS]


def pseudonymise_series(s: pd.Series, key: bytes | None = None) -> pd.Series:
    """Pseudonymise a column: empty or missing values stay missing (string dtype).

    The hash is computed once per distinct value, so the cost grows with the number of distinct
    tokens, not with the number of rows.
    """
    k = key if key is not None else load_secret()
    text = s.astype("string").str.strip()
    codes, uniq = pd.factorize(text.mask(text == ""), use_na_sentinel=True)
    hashed = pd.array([pseudonym(str(v), k) for v in uniq], dtype="string")
    return pd.Series(hashed.take(codes, allow_fill=True), index=s.index, copy=False)
