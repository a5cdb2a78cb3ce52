"""LimeSurvey ``.lss`` survey structure files: a safe reader (any ``.lss`` -> codebook) and a
writer (instrument or codebook -> a ``.lss`` LimeSurvey 6 imports).

The writer is modelled element by element on LimeSurvey 6.2.1's own export
(``tests/fixtures/limesurvey/survey.lss``, ``surveyGetXMLData()``, DBVersion 612) and on the
hand-written file a real 6.2.1 server accepted through ``import_survey``
(``survey_source.lss``): the same sections in the same order, the same ``<fields>`` lists, values
in CDATA, NULL columns left out of a row. The field rules it checks before writing are those of
LimeSurvey's importer (``XMLImportSurvey`` in ``application/helpers/admin/import_helper.php``)
and models: a question code starts with a letter and is alphanumeric (at most 20 characters, not
a reserved word, unique); a sub-question code is alphanumeric (not ``other`` when the question
has "Other", not ``time``); an answer code is alphanumeric and at most 5 characters.

Sections written: ``answers``/``answer_l10ns``, ``groups``/``group_l10ns``, ``questions``,
``subquestions``, ``question_l10ns``, ``question_attributes``, ``surveys``,
``surveys_languagesettings``. Not written: ``themes``/``themes_inherited`` (the export adds the
server's theme options; the importer does not need them and the survey uses ``template`` =
``inherit``). A section with no rows is left out (the importer tests each with ``isset``).

The reader understands both the LimeSurvey 4+ layout (``*_l10ns`` tables) and the older one
(texts and ``language`` inside the ``groups``/``questions``/``answers`` rows). XML is parsed with
:mod:`defusedxml`, with DTDs, entities and external references forbidden.
"""

from .format import (
    DB_VERSION,
    FIELDS,
    KNOWN_TYPES,
    QUESTION_THEMES,
    SECTION_ORDER,
    SURVEY_SETTINGS,
    LssError,
    LssFormatError,
    LssUnsafeXmlError,
    LssWriteError,
)
from .read import read_lss
from .write import build_all_lss, build_lss, check_writable, survey_id_for, write_lss

__all__ = [
    "DB_VERSION", "FIELDS", "KNOWN_TYPES", "QUESTION_THEMES", "SECTION_ORDER", "SURVEY_SETTINGS",
    "LssError", "LssFormatError", "LssUnsafeXmlError", "LssWriteError", "build_all_lss",
    "build_lss", "check_writable", "read_lss", "survey_id_for", "write_lss",
]
