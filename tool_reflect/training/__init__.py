"""Training without verl: TRL GSPO recipe, supervised warm start and the learning-signal check.

All three read the paper's hyper-parameters from the verl recipe files
(``recipes/tool_reflect_base.yaml`` and its variants) through :mod:`.hparams`, score with
:class:`tool_reflect.reward.RewardScorer` and take data from :func:`tool_reflect.exporters.verl_rows`.
Heavy dependencies (torch, transformers, trl, peft) are imported inside functions.
"""
