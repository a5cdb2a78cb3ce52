"""Official published results (SIPAS, PAPI, PAR Index), the province crosswalk over time, checks.

- :mod:`.provinces`: the 63 old provinces, the 34 units of Nghị quyết 202/2025/QH15 with their
  codes (QĐ 19/2025/QĐ-TTg) and dated kinds, name matching by result year or by date.
- :mod:`.loader`: the bundled partial tables (a source URL per number; conflicts kept with both
  values), the rank-only facts, coverage, PAPI groups, and the analyst's own table.
- :mod:`.checks`: published arithmetic (a PAPI dimension = the sum of its sub-dimensions).
"""

from .checks import check_arithmetic
from .loader import (
    TEMPLATE_COLUMNS,
    OfficialLoad,
    OfficialTableError,
    PapiGroups,
    bundled_official,
    conflicts,
    coverage,
    group_cutoffs,
    load_official,
    official_ranks,
    official_template,
    papi_groups,
    tidy_official,
)
from .provinces import (
    FIRST_NEW_YEAR,
    MERGER_IN_FORCE,
    ProvinceAt,
    ProvinceMatch,
    UnmatchedProvinceError,
    components,
    era_of_date,
    era_of_year,
    kind_at,
    kind_changes,
    match_province,
    match_province_at,
    match_provinces,
    merger_2025,
    new_provinces,
    province_key,
    provinces,
    units_2025,
)

__all__ = [
    "FIRST_NEW_YEAR", "MERGER_IN_FORCE", "TEMPLATE_COLUMNS", "OfficialLoad", "OfficialTableError",
    "PapiGroups", "ProvinceAt", "ProvinceMatch", "UnmatchedProvinceError", "bundled_official",
    "check_arithmetic", "components", "conflicts", "coverage", "era_of_date", "era_of_year",
    "group_cutoffs", "kind_at", "kind_changes", "load_official", "match_province",
    "match_province_at", "match_provinces", "merger_2025", "new_provinces", "official_ranks",
    "official_template", "papi_groups", "province_key", "provinces", "tidy_official", "units_2025",
]
