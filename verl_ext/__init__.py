"""verl 0.9.1 extension for tool-reflect: the ``tool_reflect`` reward manager, and the
learning-signal share in the training metrics (``tool_reflect/nonzero_var_share``, see
:mod:`verl_ext.metrics`; installed by the entry point and by ``python -m verl_ext.main``).

Registered two ways: the ``verl.plugins`` entry point (loaded on ``import verl``), and
``reward.reward_manager.source=importlib reward.reward_manager.module.path=pkg://verl_ext.reward_manager
reward.reward_manager.name=ToolReflectRewardManager``.
"""
