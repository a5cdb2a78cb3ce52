"""A real HTTP server on 127.0.0.1 that replays the recorded LimeSurvey 6.2.1 exchanges.

Requests are matched to ``tests/fixtures/limesurvey/rpc/*.json`` by method + params, where the
session key and the password are compared through the recordings' placeholders
(``<SESSION_KEY>``, ``<PASSWORD>``, ``<BASE64 of survey_source.lss>``); the answer is the recorded
body (byte for byte), HTTP status and Content-Type.

Server state (what a stateless table of exchanges cannot express, modelled on the recordings):

* ``get_session_key`` with the lab password answers 002 (the recorded key); any other password
  answers 001 (``Invalid user name or password``, which LimeSurvey gives for every wrong password).
* A key is valid from login until ``release_session_key`` (010/202) or until a fault expires it;
  a call with an invalid key answers 160/203 (``Invalid session key``).
* A survey imported in this session (``import_survey``, 003/004) is not active until
  ``activate_survey`` is called for it (005): the derived ``get_survey_properties`` says
  ``active`` ``N`` meanwhile (recording 100 was made after the activation).
* A request without ``id`` answers 198 (empty body), a Content-Type without ``application/json``
  answers 199 (empty body), a body that is not JSON answers 197. The JSON-RPC id is echoed
  (README behaviour 5): when the request's id is not the recorded ``1``, only the ``"id":1``
  at the start of the body is rewritten.

Exchanges that are not recorded but *derived* from recorded data (each says which recording):
see :func:`derive`. A request that matches nothing gets HTTP 599 and is listed in
:attr:`ReplayServer.unmatched`, so a test fails loudly.

:class:`Replay614` serves the LimeSurvey 6.14.0 exchanges of ``tests/fixtures/limesurvey_614/rpc``
the same way, with the login state 6.14.0 showed: three wrong passwords, then every login from
the address (the right password included) answers the recorded lock-out status.

Fault injection is a layer on top (:class:`Fault`): drop (close the socket without answer),
delay (sleep before answering: a timeout for a client with a short read timeout), http (answer a
given status and body, e.g. 500 + a recorded HTML page, 503), garble (corrupt the base64 result
of an export), expire (invalidate the session key before handling the call).
"""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "limesurvey"
RPC_DIR = FIXTURES / "rpc"
RPC_614_DIR = Path(__file__).parent / "fixtures" / "limesurvey_614" / "rpc"
PATH = "/index.php/admin/remotecontrol"
USERNAME = "admin"
PASSWORD = "lab-admin-pass"  # the lab-only password named in fixtures/limesurvey/README.md
SOURCE_LSS = FIXTURES / "survey_source.lss"

# recordings that describe server state or malformed requests, handled by the server logic
_STATEFUL = {
    "001_get_session_key__wrong_password", "160_error__invalid_session_key__list_surveys",
    "161_error__invalid_session_key__export_responses", "197_error__malformed_json",
    "198_error__no_id_notification", "199_error__content_type_text_plain", "201_id_as_string",
    "203_error__released_session_key",
}  # fmt: skip


@dataclass
class Recording:
    """One recorded exchange."""

    name: str
    method: str
    params: Any
    status: int
    content_type: str
    body: bytes

    @classmethod
    def load(cls, path: Path) -> Recording:
        d = json.loads(path.read_text(encoding="utf-8"))
        if "response_body_base64" in d:
            body = base64.b64decode(d["response_body_base64"])
        else:
            body = d["response_body_raw"].encode("utf-8")
        if "params" in d:
            params = d["params"]
        else:  # 6.14.0 corpus: the request as sent, with the real session key in it
            params = list(d["request"]["params"])
            if d["method"] != "get_session_key" and params:
                params[0] = "<SESSION_KEY>"
        return cls(path.stem, d["method"], params, d["http_status"],
                   d["response_content_type"], body)  # fmt: skip


def load_recordings(folder: Path = RPC_DIR) -> dict[str, Recording]:
    """All recordings of ``folder`` by file stem."""
    return {p.stem: Recording.load(p) for p in sorted(folder.glob("*.json"))}


def recorded_result(rec: Recording) -> Any:
    """The ``result`` of a recorded JSON-RPC body."""
    return json.loads(rec.body)["result"]


def _key(method: str, params: Any) -> str:
    return json.dumps([method, params], ensure_ascii=False, sort_keys=True)


def rpc_body(result: Any, *, export_encoder: bool = False) -> bytes:
    """A JSON-RPC body as LimeSurvey writes it (README behaviour 7).

    ``export_encoder``: the streamed form of export_responses (``{"id":1, "result":"...",
    "error":null}`` with spaces after the commas); else PHP's json_encode (``\\/`` and
    ``\\uXXXX`` escapes, no spaces).
    """
    if export_encoder:
        return ('{"id":1, "result":"' + result + '", "error":null}').encode("ascii")
    text = json.dumps({"id": 1, "result": result, "error": None}, separators=(",", ":"))
    return text.replace("/", "\\/").encode("ascii")


# -- derivations from recorded data ----------------------------------------------------------
def _csv_records(raw: bytes) -> tuple[bytes, list[bytes]]:
    """Split a recorded RPC CSV export into (header, records) on CRLF.

    Safe because LimeSurvey writes line breaks inside values as bare LF (README behaviour 13)
    and ends each record with CRLF plus one extra CRLF at the end (behaviour 12).
    """
    if not raw.endswith(b"\r\n\r\n"):
        raise ValueError("not a recorded RPC CSV export")
    parts = raw[: -len(b"\r\n\r\n")].split(b"\r\n")
    return parts[0], parts[1:]


def _record_id(record: bytes) -> int:
    return int(record.split(b";", 1)[0].strip(b'"'))


def _export_file(name: str) -> bytes:
    return (FIXTURES / "exports" / "rpc" / f"export_responses__{name}.csv").read_bytes()


def slice_csv(raw: bytes, lo: int | None, hi: int | None, id_only: bool = False) -> bytes:
    """Rows of a recorded CSV export whose id is in [lo, hi] (None = open), as LimeSurvey would
    write them; no row -> ``b"\\r\\n"`` (recordings 192 and 155). ``id_only`` keeps the ``id``
    column only, in the format recording 148 shows for aFields (BOM, quoted, CRLF, extra CRLF).
    """
    header, records = _csv_records(raw)
    keep = [r for r in records
            if (lo is None or _record_id(r) >= lo) and (hi is None or _record_id(r) <= hi)]  # fmt: skip
    if not keep:
        return b"\r\n"
    if id_only:
        header = b'\xef\xbb\xbf"id"'
        keep = [r.split(b";", 1)[0] for r in keep]
    return header + b"\r\n" + b"".join(r + b"\r\n" for r in keep) + b"\r\n"


def derive(method: str, params: list[Any], recordings: dict[str, Recording]) -> bytes | None:
    """The body of an exchange that is not recorded but follows from recorded data, or None.

    * ``export_responses`` csv/code/short of 385924 with any id range, completion filter
      all/complete/incomplete and language null or ``vi`` (the base language, so the same bytes):
      the recorded full exports 130 (all), 145 (complete), 146 (incomplete) sliced by id; the
      slicing reproduces recording 144 (ids 10-20) and 192 (empty range -> ``DQo=``) exactly
      (tested). ``aFields=["id"]`` keeps the id column as in recording 148.
    * ``export_responses`` of 385925 (0 responses) -> 172; of 385926 (not active) -> 178.
    * ``export_responses_by_token`` csv/code/short of 385924 for any token: :func:`_by_token`.
    * ``get_site_settings("versionnumber")`` -> ``"6.2.1"`` (the fixtures README's server table).
    * ``list_participants`` of 385924 with any attributes: rows of 007 (add_participants echo)
      updated with the current ``completed``/``usesleft``/``language`` of 123, shaped like 123;
      of 385925 / 385926 (any paging) -> 175 / 182.
    * ``get_survey_properties(385924, ["language"])`` -> the ``language`` of 103.
    * ``get_survey_properties`` of 385924 / 385925 / 385926 with any names: those values of 102
      (385924, all settings; LimeSurvey answers the asked names that exist), where 385925 and 385926
      take ``active`` from 100 (they were imported from the same ``survey_source.lss``, 003/004,
      so every other setting is that file's).
    * ``get_language_properties`` of 385924 (base language vi) with any names: those values of 104;
      of 385925 / 385926 only ``surveyls_alias``: null (``survey_source.lss`` has no alias).
    """
    p = list(params)
    if method == "export_responses" and len(p) >= 3:
        sid, doc = p[1], p[2]
        if sid == 385925:
            return recordings["172_error__empty_survey__export_responses"].body
        if sid == 385926:
            return recordings["178_error__inactive_survey__export_responses"].body
        p += [None] * (11 - len(p))
        _, _, _, lang, status, heading, rtype, lo, hi, fields, extra = p
        if (sid, doc, heading, rtype) == (385924, "csv", "code", "short") and lang in (None, "vi") \
                and status in ("all", "complete", "incomplete") and extra is None \
                and fields in (None, ["id"]):  # fmt: skip
            src = {"all": "csv_code_short", "complete": "csv_complete",
                   "incomplete": "csv_incomplete"}[status]  # fmt: skip
            data = slice_csv(_export_file(src), lo, hi, id_only=fields == ["id"])
            return rpc_body(base64.b64encode(data).decode("ascii"), export_encoder=True)
    if method == "export_responses_by_token" and len(p) >= 4 and p[1] == 385925:
        return recordings["173_error__empty_survey__export_responses_by_token"].body
    if method == "export_responses_by_token" and len(p) >= 4 and p[1:3] == [385924, "csv"]:
        p += [None] * (8 - len(p))
        _, _, _, token, lang, status, heading, rtype = p
        status = status or "all"
        if lang in (None, "vi") and heading in (None, "code") and rtype in (None, "short") \
                and status in ("all", "complete", "incomplete"):  # fmt: skip
            return _by_token(token, status, recordings)
    if method == "get_site_settings" and p[1:] == ["versionnumber"]:
        return rpc_body("6.2.1")
    if method == "get_survey_properties" and p[1:] == [385924, ["language"]]:
        return rpc_body({"language": "vi"})
    if method == "get_survey_properties" and len(p) == 3 and p[1] in (385924, 385925, 385926) \
            and isinstance(p[2], list):  # fmt: skip
        props = dict(recorded_result(recordings["102_get_survey_properties__all"]))
        active = {s["sid"]: s["active"] for s in recorded_result(recordings["100_list_surveys"])}
        props["active"] = active[p[1]]
        return rpc_body({k: props[k] for k in p[2] if k in props})
    if method == "get_language_properties" and len(p) >= 3 and isinstance(p[2], list) \
            and (len(p) == 3 or p[3] in (None, "vi")):  # fmt: skip
        if p[1] == 385924:
            props = recorded_result(recordings["104_get_language_properties__vi_all"])
            return rpc_body({k: props[k] for k in p[2] if k in props})
        if p[1] in (385925, 385926) and p[2] == ["surveyls_alias"]:
            return rpc_body({"surveyls_alias": None})
    if method == "list_participants" and len(p) >= 2 and p[1] in (385925, 385926):
        # the table checks run before any paging/attribute handling: 175 (empty), 182 (none)
        name = {385925: "175_error__empty_survey__list_participants",
                385926: "182_error__inactive_survey__list_participants"}[p[1]]
        return recordings[name].body
    if method == "list_participants" and len(p) >= 2 and p[1] == 385924:
        return _derived_participants(p, recordings)
    return None


def _by_token(token: str, status: str, recordings: dict[str, Recording]) -> bytes:
    """export_responses_by_token from the full exports 130/145/146, rows whose token matches.

    A token with no response at all -> 156 (``No Response found for Token``); a token whose
    responses the completion filter removes -> ``DQo=`` (155). Reproduces 153 and 155 (tested).
    """
    def rows(name: str) -> tuple[bytes, list[bytes]]:
        header, records = _csv_records(_export_file(name))
        tok = token.encode("utf-8")
        return header, [r for r in records if r.split(b";", 6)[5] == b'"' + tok + b'"']

    header, any_rows = rows("csv_code_short")
    if not any_rows:
        return recordings["156_export_responses_by_token__no_response"].body
    src = {"all": "csv_code_short", "complete": "csv_complete", "incomplete": "csv_incomplete"}
    header, keep = rows(src[status])
    data = header + b"\r\n" + b"".join(r + b"\r\n" for r in keep) + b"\r\n" if keep else b"\r\n"
    return rpc_body(base64.b64encode(data).decode("ascii"), export_encoder=True)


def _derived_participants(p: list[Any], recordings: dict[str, Recording]) -> bytes:
    start, limit = (p[2] if len(p) > 2 else 0), (p[3] if len(p) > 3 else 10)
    unused = p[4] if len(p) > 4 else False
    attrs = p[5] if len(p) > 5 and isinstance(p[5], list) else []
    added = json.loads(recordings["007_add_participants"].body)["result"]
    now = {r["tid"]: r for r in json.loads(recordings["123_list_participants__attributes"].body)["result"]}
    rows = []
    for r in added:
        tid = int(r["tid"])
        state = {**r, **{k: v for k, v in now[tid].items() if k not in {"participant_info"}}}
        if unused and state["completed"] != "N":
            continue
        info = {k: r[k] for k in ("firstname", "lastname", "email")}
        row: dict[str, Any] = {"tid": tid, "token": r["token"], "participant_info": info}
        for a in attrs:
            row[a] = state.get(a)
        rows.append(row)
    rows = rows[start : start + limit]
    text = json.dumps({"id": 1, "result": rows, "error": None}, separators=(",", ":"))
    return text.replace("/", "\\/").encode("ascii")


# -- faults --------------------------------------------------------------------------------------
@dataclass
class Fault:
    """One injected fault.

    Attributes:
        kind: ``drop`` | ``delay`` | ``http`` | ``garble`` | ``expire``.
        method: only for this RPC method (None = any).
        when: extra predicate on the decoded params (None = any).
        times: how many matching requests it hits (then it is spent).
        skip: let this many matching requests pass first (e.g. fail the 2nd page).
        seconds: for ``delay``.
        status, body, content_type: for ``http``.
    """

    kind: str
    method: str | None = None
    when: Callable[[list[Any]], bool] | None = None
    times: int = 1
    skip: int = 0
    seconds: float = 0.0
    status: int = 500
    body: bytes = b""
    content_type: str = "text/html; charset=UTF-8"
    hits: int = 0

    def applies(self, method: str, params: list[Any]) -> bool:
        if self.method is not None and self.method != method:
            return False
        if self.when is not None and not self.when(params):
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        if self.hits >= self.times:
            return False
        self.hits += 1
        return True


@dataclass
class Exchange:
    """What the server saw: method, params (as sent, secrets included), answer status."""

    method: str
    params: Any
    status: int
    fault: str = ""


@dataclass
class ReplayServer:
    """The replay server; use as a context manager: ``with ReplayServer() as srv: srv.url``."""

    faults: list[Fault] = field(default_factory=list)
    recordings: dict[str, Recording] = field(default_factory=load_recordings)
    overlay: dict[str, bytes] = field(default_factory=dict)
    stateful: frozenset[str] = field(default=frozenset(_STATEFUL))

    def __post_init__(self) -> None:
        self.table: dict[str, Recording] = {}
        self.protocol = load_recordings(RPC_DIR)  # 6.2.1: empty bodies, malformed JSON, bad key
        for rec in self.recordings.values():
            if rec.name in self.stateful:
                continue
            k = _key(rec.method, rec.params)
            if k in self.table and self.table[k].body != rec.body:
                raise ValueError(f"two recordings for one request: {self.table[k].name}, {rec.name}")
            self.table[k] = rec
        self.session_key: str = self._initial_key()
        self.inactive: set[int] = set()  # imported in this session, not activated yet
        self.valid_keys: set[str] = set()
        self.log: list[Exchange] = []
        self.unmatched: list[tuple[str, Any]] = []
        self.raw_requests: list[bytes] = []
        self.lss_b64 = base64.b64encode(SOURCE_LSS.read_bytes()).decode("ascii")
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _initial_key(self) -> str:
        return str(recorded_result(self.recordings["002_get_session_key__ok"]))

    # -- life cycle ---------------------------------------------------------------------------
    def __enter__(self) -> ReplayServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                server._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that hung up on a delayed answer is expected here

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        httpd = self._httpd
        self._thread = threading.Thread(target=lambda: httpd.serve_forever(poll_interval=0.05),
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{PATH}"

    def expire_sessions(self) -> None:
        """Forget every session key (as when LimeSurvey's session lifetime runs out)."""
        with self._lock:
            self.valid_keys.clear()

    def calls(self, method: str) -> list[Exchange]:
        return [e for e in self.log if e.method == method]

    # -- request handling ---------------------------------------------------------------------
    def _send(self, h: BaseHTTPRequestHandler, status: int, ctype: str, body: bytes) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout fault)
            h.close_connection = True

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length)
        self.raw_requests.append(raw)
        recs = self.protocol
        if "application/json" not in (h.headers.get("Content-Type") or ""):
            r = recs["199_error__content_type_text_plain"]
            self._send(h, r.status, r.content_type, r.body)
            return
        try:
            req = json.loads(raw)
        except ValueError:
            r = recs["197_error__malformed_json"]
            self._send(h, r.status, r.content_type, r.body)
            return
        if "id" not in req:
            r = recs["198_error__no_id_notification"]
            self._send(h, r.status, r.content_type, r.body)
            return
        method, params = req.get("method"), list(req.get("params") or [])
        with self._lock:
            fault = next((f for f in self.faults if f.applies(method, params)), None)
        entry = Exchange(method, params, 0, fault.kind if fault else "")
        self.log.append(entry)  # logged on arrival (a delayed answer may never be read)
        if fault is not None:
            if fault.kind == "http":
                entry.status = fault.status
            if fault.kind == "drop":
                h.close_connection = True
                h.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault.kind == "delay":
                time.sleep(fault.seconds)
            elif fault.kind == "http":
                self._send(h, fault.status, fault.content_type, fault.body)
                return
            elif fault.kind == "expire":
                self.expire_sessions()
        status, ctype, body = self._answer(method, params)
        if fault is not None and fault.kind == "garble" and b'"result":"' in body:
            body = re.sub(rb'("result":")([A-Za-z0-9+/]{8})', rb"\1@@!!\2", body, count=1)
        rid = req.get("id")
        if rid != 1 and body.startswith(b'{"id":1'):
            body = b'{"id":' + json.dumps(rid).encode() + body[len(b'{"id":1'):]
        entry.status = status
        self._send(h, status, ctype, body)

    def _login(self, params: list[Any]) -> tuple[int, str, bytes]:
        """``get_session_key``: the lab password answers 002, any other 001."""
        if params[:2] == [USERNAME, PASSWORD]:
            with self._lock:
                self.valid_keys.add(self.session_key)
            r = self.recordings["002_get_session_key__ok"]
        else:
            r = self.recordings["001_get_session_key__wrong_password"]
        return r.status, r.content_type, r.body

    def _answer(self, method: str, params: list[Any]) -> tuple[int, str, bytes]:
        norm = list(params)
        if method == "get_session_key":
            return self._login(norm)
        if norm:
            with self._lock:
                valid = norm[0] in self.valid_keys
            if not valid:
                r = self.protocol["160_error__invalid_session_key__list_surveys"]
                return r.status, r.content_type, r.body
            norm[0] = "<SESSION_KEY>"
        if method == "release_session_key":
            with self._lock:
                self.valid_keys.discard(params[0])
        if method == "import_survey" and len(norm) > 1 and norm[1] == self.lss_b64:
            norm[1] = "<BASE64 of survey_source.lss>"
        k = _key(method, norm)
        if k in self.overlay:
            return 200, self.content_type, self.overlay[k]
        if k in self.table:
            r = self.table[k]
            if method == "import_survey" and r.status == 200:
                self.inactive.add(int(recorded_result(r)))
            if method == "activate_survey" and len(norm) > 1:
                self.inactive.discard(norm[1])
            return r.status, r.content_type, r.body
        derived = self.derive(method, norm)
        if derived is not None:
            return 200, self.content_type, derived
        self.unmatched.append((method, norm))
        return 599, "text/plain", f"replay: no recording for {method} {norm!r}"[:2000].encode()

    content_type = "text/javascript;charset=UTF-8"
    """Content type of derived and overlay answers (6.2.1's, README behaviour 7)."""

    def derive(self, method: str, params: list[Any]) -> bytes | None:
        """An answer that follows from the recorded data (:func:`derive`) and the state."""
        body = derive(method, params, self.recordings)
        if body is not None and method == "get_survey_properties" and params[1] in self.inactive:
            result = json.loads(body)["result"]
            if "active" in result:
                body = rpc_body({**result, "active": "N"})
        return body

    def add_overlay(self, method: str, params: list[Any], body: bytes) -> None:
        """Answer ``method(params)`` (params with placeholders) with ``body`` (tests only)."""
        self.overlay[_key(method, params)] = body


USERNAME_614 = "lab-user"
PASSWORD_614 = "lab-pass"  # stands for the recordings' <PASSWORD> (credentials were scrubbed)
_STATEFUL_614 = frozenset({
    "get_session_key__wrong_password_1", "get_session_key__wrong_password_2",
    "get_session_key__wrong_password_3", "get_session_key__after_3_wrong_passwords",
})  # fmt: skip


@dataclass
class Replay614(ReplayServer):
    """The replay server for the LimeSurvey 6.14.0 exchanges (``fixtures/limesurvey_614/rpc``).

    Login state as recorded: a wrong password answers ``Invalid user name or password``; after
    :attr:`max_attempts` of them, every ``get_session_key`` (the right password included)
    answers the recorded lock-out status. A successful login is not among the 6.14.0
    recordings: it answers the key of the recorded 6.14.0 sessions in the form of 6.2.1's
    recording 002 (``{"id":1,"result":"<key>","error":null}``), with 6.14.0's content type.
    """

    recordings: dict[str, Recording] = field(default_factory=lambda: load_recordings(RPC_614_DIR))
    stateful: frozenset[str] = field(default=_STATEFUL_614)
    max_attempts: int = 3

    content_type = "application/json"

    def __post_init__(self) -> None:
        super().__post_init__()
        self.failed_logins = 0

    def _initial_key(self) -> str:
        return _request_key(RPC_614_DIR / "invite_participants__no_mail_server.json")

    def _login(self, params: list[Any]) -> tuple[int, str, bytes]:
        recs = self.recordings
        with self._lock:
            if self.failed_logins >= self.max_attempts:
                r = recs["get_session_key__after_3_wrong_passwords"]
                return r.status, r.content_type, r.body
            if params[:2] == [USERNAME_614, PASSWORD_614]:
                self.valid_keys.add(self.session_key)
                body = json.dumps({"id": 1, "result": self.session_key, "error": None},
                                  separators=(",", ":")).encode()
                return 200, self.content_type, body
            self.failed_logins += 1
        r = recs["get_session_key__wrong_password_1"]
        return r.status, r.content_type, r.body

    def derive(self, method: str, params: list[Any]) -> bytes | None:
        """Only ``release_session_key`` (not recorded on 6.14.0): ``"OK"`` as 6.2.1 answers (010)."""
        if method == "release_session_key":
            return self.protocol["010_release_session_key"].body
        return None


def _request_key(path: Path) -> str:
    """The session key a 6.14.0 recording was made with."""
    return str(json.loads(path.read_text(encoding="utf-8"))["request"]["params"][0])


def make_client(
    url: str,
    *,
    username: str = USERNAME,
    password: str = PASSWORD,
    retries: int = 2,
    read_timeout: float = 5.0,
    sleeps: list[float] | None = None,
) -> Any:
    """A :class:`~cchc_survey.limesurvey.client.LimeSurvey` for ``url`` whose backoff waits are
    recorded in ``sleeps`` instead of slept."""
    from cchc_survey.limesurvey.client import LimeSurvey, LimeSurveyConfig, RetryPolicy

    waits = sleeps if sleeps is not None else []
    cfg = LimeSurveyConfig(
        url=url, username=username, password=password, connect_timeout=2.0,
        read_timeout=read_timeout, retry=RetryPolicy(retries=retries, backoff=0.5, sleep=waits.append),
    )  # fmt: skip
    return LimeSurvey(cfg)
