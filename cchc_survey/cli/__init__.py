"""The ``cchc-survey`` command line: one module per command group, one error path
(:mod:`.common`).

* :mod:`.main`: ``demo``, ``instruments``, ``lss build``, ``report``;
* :mod:`.imports`: ``import``, ``codebook``;
* :mod:`.instrument`: ``instrument from-lss``;
* :mod:`.limesurvey`: ``deploy``, ``pull``, ``status``;
* :mod:`.official`: ``sample-size``, ``official template/load/check/compare``.
"""

from .main import app

__all__ = ["app"]
