"""Survey estimates beside official published components (:mod:`.official`); change between
waves and league tables of units (:mod:`.tracking`)."""

from .official import GROUPS_EN, GROUPS_VI, ComparisonError, compare_official, for_report
from .tracking import change_between_waves, league_table

__all__ = ["GROUPS_EN", "GROUPS_VI", "ComparisonError", "change_between_waves", "compare_official",
           "for_report", "league_table"]
