"""Data-quality checks on a tidy response frame: flags as a tidy table, exclusions as decisions.

* :mod:`.registry`: the rules, one small function each, with name, severity and reason in
  Vietnamese and English (:data:`RULES`);
* :mod:`.rules`: the rules themselves, configured in the instrument's ``checks:`` block;
* :mod:`.context`: what the rules share (which respondent was shown which item);
* :mod:`.run`: :func:`run_checks` (every rule -> one flags table) and :func:`clean`.

Every rule yields rows of one flags table (:data:`~cchc_survey.shapes.FLAGS`: ``rule, row,
response_id, column, value, severity``), where ``row`` is the 0-based position of the
questionnaire in the frame. Nothing is dropped by a check. :func:`clean` then excludes the
questionnaires flagged by the rules the instrument lists in ``checks.exclude`` (an explicit,
recorded decision) and keeps the books: rows in = rows kept + rows excluded, always.

Rules:

``out_of_scale``          an answer code that is not a code of the item's scale (error)
``duplicate_respondent``  a second response with the same pseudonymised token or response id (error)
``incomplete``            the respondent did not submit the last page (warning)
``straightlining``        every answered row of an array question has the same code, with at least
                          ``straightline_min_items`` rows answered (warning)
``speeder``               interview time below ``speeder_seconds`` or below
                          ``speeder_fraction_of_median`` x the median of complete responses (warning)
``item_nonresponse``      the share of shown substantive items left empty exceeds
                          ``item_nonresponse_max`` (warning)
``filter_breach``         an answer given (a ticked box, a value) to an item whose filter condition
                          is false (error)
"""

from ..shapes import FLAGS
from . import rules as _rules  # noqa: F401  (registers the rules)
from .context import ChecksError, Context, answer_given
from .registry import RULES, Flags, Rule, rule
from .run import CleanResult, clean, run_checks

FLAG_COLUMNS: list[str] = FLAGS.names
"""The flags table's columns (kept for code written against the first release)."""
SEVERITY: dict[str, str] = {name: r.severity for name, r in RULES.items()}
"""Each rule's severity (derived from :data:`RULES`)."""
REASON_VI: dict[str, str] = {name: r.reason_vi for name, r in RULES.items()}
"""Each rule's reason in Vietnamese (derived from :data:`RULES`)."""
REASON_EN: dict[str, str] = {name: r.reason_en for name, r in RULES.items()}
"""Each rule's reason in English (derived from :data:`RULES`)."""

__all__ = [
    "FLAG_COLUMNS",
    "REASON_EN",
    "REASON_VI",
    "RULES",
    "SEVERITY",
    "ChecksError",
    "CleanResult",
    "Context",
    "Flags",
    "Rule",
    "answer_given",
    "clean",
    "rule",
    "run_checks",
]
