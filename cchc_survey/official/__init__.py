"""Official published results (SIPAS, PAPI, PAR Index), the 2025 province crosswalk, and checks.

- :mod:`.provinces`: the 63 old provinces, the 34 units of Nghị quyết 202/2025/QH15, name matching.
- :mod:`.loader`: the bundled partial tables (a source URL per number) and the analyst's own table.
- :mod:`.checks`: published arithmetic (a PAPI dimension = the sum of its sub-dimensions).
"""

from .checks import check_arithmetic
from .loader import (
    TEMPLATE_COLUMNS,
    OfficialLoad,
    OfficialTableError,
    bundled_official,
    group_cutoffs,
    load_official,
    official_template,
    tidy_official,
)
from .provinces import (
    ProvinceMatch,
    UnmatchedProvinceError,
    components,
    match_province,
    match_provinces,
    merger_2025,
    new_provinces,
    province_key,
    provinces,
)

__all__ = [
    "TEMPLATE_COLUMNS", "OfficialLoad", "OfficialTableError", "ProvinceMatch",
    "UnmatchedProvinceError", "bundled_official", "check_arithmetic", "components",
    "group_cutoffs", "load_official", "match_province", "match_provinces", "merger_2025",
    "new_provinces", "official_template", "province_key", "provinces", "tidy_official",
]
