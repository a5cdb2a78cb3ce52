"""LimeSurvey: the ``.lss`` structure file (reader and writer), the RemoteControl client, and
readers of every LimeSurvey export format."""
