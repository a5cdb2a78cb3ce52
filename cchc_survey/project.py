"""An analyst's project: one folder holding the questionnaires, the data, the notebooks, the
reports and one project file that every ``cchc-survey`` command reads.

``cchc-survey init FOLDER`` (:func:`init_project`) makes it::

    FOLDER/
      cchc_survey.toml      the project file: unit, province, report period, LimeSurvey address
      questionnaires/       copies of the bundled instruments, to edit (YAML + .lss)
      data/raw/             exports and pulls exactly as received (immutable snapshots)
      data/processed/       the tidy responses of each survey (every import and pull merged)
      notebooks/            01-04, the walk-through, working on this project's data
      reports/              what ``cchc-survey report`` writes
      .gitignore            data/ and reports/ stay out of version control

A command run anywhere inside the folder finds the project file by walking up from the current
folder (:func:`find_project`), so ``--data-dir``, ``--organisation``, ``--province`` and the
LimeSurvey address need not be repeated. The project file never holds a secret: a key that
names one (``password``, ``session_key``, ...) is refused; the LimeSurvey login comes from the
environment or the user's own config file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CchcSurveyError

if TYPE_CHECKING:
    from .instrument import Instrument

PROJECT_FILE = "cchc_survey.toml"
_SECRET = re.compile(r"(pass(word|wd)?|secret|session_?key|api_?key|token|credential)", re.I)
_KNOWN = {"project": {"unit", "parent", "province", "period", "place"},
          "limesurvey": {"url"}}


class ProjectError(CchcSurveyError):
    """The project file cannot be read, or the folder cannot become a project."""


@dataclass(frozen=True)
class Project:
    """An analyst's project folder and what its project file says.

    Attributes:
        root: the folder holding :data:`PROJECT_FILE`.
        unit: the reporting unit (``Sở Nội vụ tỉnh Quảng Ninh``), printed on every report.
        parent: its superior body for the Word report's header (``UBND TỈNH QUẢNG NINH``).
        province: the province, for the comparison with official results.
        period: the report period (``6 tháng đầu năm 2026``).
        place: the place of the report's dateline (``Quảng Ninh``).
        limesurvey_url: the LimeSurvey RemoteControl address (no login in it).
    """

    root: Path
    unit: str = ""
    parent: str = ""
    province: str = ""
    period: str = ""
    place: str = ""
    limesurvey_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def questionnaires(self) -> Path:
        return self.root / "questionnaires"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def raw(self) -> Path:
        return self.data / "raw"

    @property
    def processed(self) -> Path:
        return self.data / "processed"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    def instrument(self, name: str) -> Instrument:
        """The project's instrument ``name`` (``questionnaires/<name>.yaml``, or a path)."""
        from .instrument import load_instrument

        path = Path(name)
        if path.suffix.lower() not in (".yaml", ".yml"):
            path = self.questionnaires / f"{name}.yaml"
        elif not path.is_absolute():
            path = self.root / path
        return load_instrument(path)

    def instruments(self) -> dict[str, Instrument]:
        """Every instrument in the project's ``questionnaires/``, by id."""
        from .instrument import load_all

        return load_all(self.questionnaires)

    def surveys(self) -> list[str]:
        """The processed surveys (folders of ``data/processed`` holding responses)."""
        return sorted(p.parent.name for p in self.processed.glob("*/responses.parquet"))


def read_project(path: str | Path) -> Project:
    """Read the project file ``path`` (or the project file inside the folder ``path``)."""
    p = Path(path)
    if p.is_dir():
        p = p / PROJECT_FILE
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProjectError(f"{p}: no project file here. Fix: run `cchc-survey init FOLDER` to "
                           "make a project, or run the command inside one.") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProjectError(f"{p}: the project file cannot be read ({exc}). Fix: correct it (it is "
                           "TOML: key = \"value\" lines under [project] and [limesurvey]).") from None
    secrets = [f"{t}.{k}" for t, tab in data.items() if isinstance(tab, dict)
               for k in tab if _SECRET.search(k)]
    if secrets:
        raise ProjectError(f"{p}: {', '.join(secrets)} looks like a secret, and the project file "
                           "is shared with the project. Fix: remove it; the LimeSurvey login comes "
                           "from CCHC_LS_USER / CCHC_LS_PASSWORD or ~/.config/cchc_survey/"
                           "limesurvey.toml.")
    proj = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    ls = data.get("limesurvey", {}) if isinstance(data.get("limesurvey"), dict) else {}
    url = str(ls.get("url", ""))
    if re.match(r"^[a-z]+://[^/@]*@", url):
        raise ProjectError(f"{p}: limesurvey.url {url.split('@')[0]}@... carries a login. Fix: "
                           "write the address only; the login comes from the environment.")
    extra = {f"{t}.{k}": v for t, tab in data.items() if isinstance(tab, dict)
             for k, v in tab.items() if k not in _KNOWN.get(t, set())}
    return Project(root=p.parent.resolve(), unit=str(proj.get("unit", "")),
                   parent=str(proj.get("parent", "")), province=str(proj.get("province", "")),
                   period=str(proj.get("period", "")), place=str(proj.get("place", "")),
                   limesurvey_url=url, extra=extra)


def find_project(start: str | Path | None = None) -> Project | None:
    """The project whose folder holds ``start`` (default: the current folder), or None."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return read_project(folder / PROJECT_FILE)
    return None


def open_project(start: str | Path | None = None) -> Project:
    """:func:`find_project`, or a :class:`ProjectError` saying how to make one.

    Example:
        >>> import tempfile
        >>> made = init_project(Path(tempfile.mkdtemp()) / "p", unit="Sở Y tế")
        >>> project = open_project(made.notebooks)   # a notebook's folder, inside the project
        >>> project.unit, project.instrument("sipas_one_stop").id
        ('Sở Y tế', 'sipas_one_stop')
    """
    found = find_project(start)
    if found is None:
        raise ProjectError(f"{Path(start or Path.cwd()).resolve()} is not inside a project (no "
                           f"{PROJECT_FILE} here or above). Fix: run `cchc-survey init FOLDER`, "
                           "then work inside FOLDER.")
    return found


def bundled_questionnaires() -> resources.abc.Traversable:
    """The folder of the bundled instruments (YAML and .lss) inside the installed package."""
    return resources.files("cchc_survey") / "questionnaires"


def bundled_notebooks() -> resources.abc.Traversable:
    """The folder of the walk-through notebooks inside the installed package."""
    return resources.files("cchc_survey") / "notebooks"


def _toml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def project_file_text(*, unit: str, parent: str, province: str, period: str, place: str,
                      limesurvey_url: str) -> str:
    """The text of a new project file, with a comment on each setting."""
    return f"""# cchc_survey project file: every `cchc-survey` command run in this folder reads it.
# Never write a password or a session key here: this file goes with the project. The LimeSurvey
# login comes from CCHC_LS_USER / CCHC_LS_PASSWORD or ~/.config/cchc_survey/limesurvey.toml.

[project]
# đơn vị báo cáo (reporting unit), on every report
unit = {_toml_text(unit)}
# cơ quan chủ quản (superior body), in the Word report's header, e.g. "UBND TỈNH QUẢNG NINH"
parent = {_toml_text(parent)}
# tỉnh/thành phố (province), for the comparison with the official results
province = {_toml_text(province)}
# kỳ báo cáo (report period), e.g. "6 tháng đầu năm 2026"
period = {_toml_text(period)}
# địa danh (place) of the report's dateline
place = {_toml_text(place)}

[limesurvey]
# the RemoteControl address, e.g. "https://khaosat.example.gov.vn/index.php/admin/remotecontrol"
url = {_toml_text(limesurvey_url)}
"""


_GITIGNORE = """# the analyst's data and reports stay out of version control (personal data)
data/raw/*
data/processed/*
reports/
!.gitkeep
"""


def _copy_tree(src: resources.abc.Traversable, dest: Path, suffixes: tuple[str, ...]) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for entry in sorted(src.iterdir(), key=lambda e: e.name):
        if entry.is_file() and entry.name.endswith(suffixes):
            target = dest / entry.name
            target.write_bytes(entry.read_bytes())
            out.append(target)
    return out


def init_project(folder: str | Path, *, unit: str = "", parent: str = "", province: str = "",
                 period: str = "", place: str = "", limesurvey_url: str = "") -> Project:
    """Make ``folder`` an analyst's project (see the module docstring) and return it.

    The folder may exist but must not hold a project file or questionnaires already (nothing
    of the analyst's is overwritten).

    Example:
        >>> import tempfile
        >>> p = init_project(Path(tempfile.mkdtemp()) / "khao_sat", unit="Sở Nội vụ")
        >>> sorted(x.name for x in p.root.iterdir())  # doctest: +NORMALIZE_WHITESPACE
        ['.gitignore', 'cchc_survey.toml', 'data', 'notebooks', 'questionnaires', 'reports']
        >>> sorted(p.instruments())
        ['dvc_dossier_rating', 'papi_mirror', 'par_survey', 'sipas_2023', 'sipas_one_stop']
    """
    root = Path(folder)
    if (root / PROJECT_FILE).exists():
        raise ProjectError(f"{root / PROJECT_FILE} exists: {root} is a project already. Fix: "
                           "work in it, or give another folder.")
    for sub in ("questionnaires", "notebooks"):
        if (root / sub).is_dir() and any((root / sub).iterdir()):
            raise ProjectError(f"{root / sub} is not empty; init does not overwrite files. Fix: "
                               "give a new folder.")
    try:
        root.mkdir(parents=True, exist_ok=True)
        _copy_tree(bundled_questionnaires(), root / "questionnaires", (".yaml", ".lss"))
        _copy_tree(bundled_notebooks(), root / "notebooks", (".ipynb",))
        for sub in ("data/raw", "data/processed", "reports"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        for sub in ("data/raw", "data/processed"):
            (root / sub / ".gitkeep").touch()
        (root / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")
        (root / PROJECT_FILE).write_text(project_file_text(
            unit=unit, parent=parent, province=province, period=period, place=place,
            limesurvey_url=limesurvey_url), encoding="utf-8")
    except OSError as exc:
        raise ProjectError(f"{root}: cannot make the project there ({exc}). Fix: give a folder "
                           "you can write to.") from None
    return read_project(root / PROJECT_FILE)
