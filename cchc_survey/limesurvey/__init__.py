"""LimeSurvey: the ``.lss`` structure file (``lss/``: reader, writer, the settings respondents
meet), the RemoteControl client (``client`` over ``rpc``, ``config``; ``results`` of per-participant
calls; ``errors``), ``deploy``, ``pull`` (into the raw store), ``status``, and readers of every
LimeSurvey export format (``exports/``)."""
