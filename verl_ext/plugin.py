"""Target of the ``verl.plugins`` entry point, loaded on ``import verl`` in every process
(verl/__init__.py): installs the ``tool_reflect/*`` learning-signal metrics
(:mod:`verl_ext.metrics`) and registers the reward manager."""

from verl_ext.metrics import install

install()  # first: it needs nothing from the reward manager's dependencies

from verl_ext.reward_manager import ToolReflectRewardManager  # noqa: E402, F401
