"""verl 0.9.1 extension for tool-reflect: the ``tool_reflect`` reward manager.

Registered two ways: the ``verl.plugins`` entry point (loaded on ``import verl``), and
``reward.reward_manager.source=importlib reward.reward_manager.module.path=pkg://verl_ext.reward_manager
reward.reward_manager.name=ToolReflectRewardManager``.
"""
