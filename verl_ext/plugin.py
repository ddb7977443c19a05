"""Target of the ``verl.plugins`` entry point: importing it registers the reward manager."""

from verl_ext.reward_manager import ToolReflectRewardManager  # noqa: F401
