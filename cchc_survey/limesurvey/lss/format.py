"""The ``.lss`` file format: errors, the field lists and settings of LimeSurvey 6.2.1's export,
and the code rules of its importer (shared by :mod:`.read` and :mod:`.write`)."""

from __future__ import annotations

import re

from ...errors import CchcSurveyError, ProblemsError
from ...structure.limesurvey import ALL_TYPES, QUESTION_CODE, SUBQUESTION_CODE
from ...structure.limesurvey import RESERVED_QUESTION_CODES as RESERVED_QUESTION_CODES

DB_VERSION = 612
"""LimeSurvey database version of the files written (LimeSurvey 6.2.1, as the fixture)."""


class LssError(CchcSurveyError):
    """A ``.lss`` file cannot be read or written."""


class LssUnsafeXmlError(LssError):
    """A ``.lss`` file holds a DTD, an entity or an external reference (refused unread)."""


class LssFormatError(LssError):
    """A ``.lss`` file is not well-formed XML or lacks what a LimeSurvey survey file holds."""


class LssWriteError(ProblemsError, LssError):
    """A codebook cannot be written as a ``.lss`` LimeSurvey would import unchanged."""


# --------------------------------------------------------------------------------------------
# the format: field lists exactly as LimeSurvey 6.2.1 exports them (survey.lss)
# --------------------------------------------------------------------------------------------
QUESTION_FIELDS = (
    "qid", "parent_qid", "sid", "gid", "type", "title", "preg", "other", "mandatory",
    "encrypted", "question_order", "scale_id", "same_default", "relevance",
    "question_theme_name", "modulename", "same_script",
)
FIELDS: dict[str, tuple[str, ...]] = {
    "answers": ("aid", "qid", "code", "sortorder", "assessment_value", "scale_id"),
    "answer_l10ns": ("id", "aid", "answer", "language"),
    "groups": ("gid", "sid", "group_order", "randomization_group", "grelevance"),
    "group_l10ns": ("id", "gid", "group_name", "description", "language", "sid", "group_order",
                    "randomization_group", "grelevance"),
    "questions": QUESTION_FIELDS,
    "subquestions": QUESTION_FIELDS,
    "question_l10ns": ("id", "qid", "question", "help", "script", "language"),
    "question_attributes": ("qid", "attribute", "value", "language"),
    "surveys": (
        "sid", "gsid", "admin", "expires", "startdate", "adminemail", "anonymized", "format",
        "savetimings", "template", "language", "additional_languages", "datestamp",
        "usecookie", "allowregister", "allowsave", "autonumber_start", "autoredirect",
        "allowprev", "printanswers", "ipaddr", "ipanonymize", "refurl",
        "showsurveypolicynotice", "publicstatistics", "publicgraphs", "listpublic",
        "htmlemail", "sendconfirmation", "tokenanswerspersistence", "assessments", "usecaptcha",
        "usetokens", "bounce_email", "attributedescriptions", "emailresponseto",
        "emailnotificationto", "tokenlength", "showxquestions", "showgroupinfo",
        "shownoanswer", "showqnumcode", "bouncetime", "bounceprocessing", "bounceaccounttype",
        "bounceaccounthost", "bounceaccountpass", "bounceaccountencryption",
        "bounceaccountuser", "showwelcome", "showprogress", "questionindex",
        "navigationdelay", "nokeyboard", "alloweditaftercompletion", "googleanalyticsstyle",
        "googleanalyticsapikey", "tokenencryptionoptions",
    ),
    "surveys_languagesettings": (
        "surveyls_survey_id", "surveyls_language", "surveyls_title", "surveyls_description",
        "surveyls_welcometext", "surveyls_endtext", "surveyls_policy_notice",
        "surveyls_policy_error", "surveyls_policy_notice_label", "surveyls_url",
        "surveyls_urldescription", "surveyls_email_invite_subj", "surveyls_email_invite",
        "surveyls_email_remind_subj", "surveyls_email_remind", "surveyls_email_register_subj",
        "surveyls_email_register", "surveyls_email_confirm_subj", "surveyls_email_confirm",
        "surveyls_dateformat", "surveyls_attributecaptions", "surveyls_alias",
        "email_admin_notification_subj", "email_admin_notification",
        "email_admin_responses_subj", "email_admin_responses", "surveyls_numberformat",
        "attachments",
    ),
}
SECTION_ORDER = (
    "answers", "answer_l10ns", "groups", "group_l10ns", "questions", "subquestions",
    "question_l10ns", "question_attributes", "surveys", "surveys_languagesettings",
)

QUESTION_THEMES = {
    "G": "gender", "L": "listradio", "F": "arrays/array", "Y": "yesno",
    "M": "multiplechoice", "N": "numerical", "S": "shortfreetext", "T": "longfreetext",
    "D": "date",
}
"""``question_theme_name`` per type, as LimeSurvey 6.2.1 exported them (fixture). Other types are
written with an empty theme name, which LimeSurvey's ``Question`` model replaces by the type's
core theme when it saves the question."""

DATE_NUMBER_FORMAT = {"vi": ("5", "1"), "en": ("6", "0")}
"""``surveyls_dateformat`` / ``surveyls_numberformat`` per language: vi dd/mm/yyyy with a decimal
comma, en yyyy-mm-dd with a decimal point (as on the fixture survey)."""

SURVEY_SETTINGS: dict[str, str] = {
    "gsid": "1", "anonymized": "N", "format": "G", "savetimings": "N", "template": "inherit",
    "datestamp": "Y", "usecookie": "N", "allowregister": "N", "allowsave": "Y",
    "autonumber_start": "0", "autoredirect": "N", "allowprev": "Y", "printanswers": "N",
    "ipaddr": "N", "ipanonymize": "N", "refurl": "N", "showsurveypolicynotice": "0",
    "publicstatistics": "N", "publicgraphs": "N", "listpublic": "N", "htmlemail": "Y",
    "sendconfirmation": "N", "tokenanswerspersistence": "N", "assessments": "N",
    "usecaptcha": "N", "usetokens": "N", "attributedescriptions": "", "emailresponseto": "",
    "emailnotificationto": "", "tokenlength": "15", "showxquestions": "Y",
    "showgroupinfo": "B", "shownoanswer": "Y", "showqnumcode": "X", "bouncetime": "0",
    "bounceprocessing": "N", "bounceaccounttype": "", "bounceaccounthost": "",
    "bounceaccountpass": "", "bounceaccountencryption": "", "bounceaccountuser": "",
    "showwelcome": "Y", "showprogress": "Y", "questionindex": "0", "navigationdelay": "0",
    "nokeyboard": "N", "alloweditaftercompletion": "N", "googleanalyticsstyle": "0",
    "googleanalyticsapikey": "", "tokenencryptionoptions": "",
}
"""Survey settings written (the values of the fixture survey, which LimeSurvey 6.2.1 imported)."""

# LimeSurvey's question types and code rules: one home, cchc_survey.structure.limesurvey
KNOWN_TYPES = frozenset(ALL_TYPES)
_QCODE = QUESTION_CODE
_ALNUM = SUBQUESTION_CODE
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


