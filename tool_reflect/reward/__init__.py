"""The training reward R = S×F (SPEC §3) on the shared parser and matcher.

    scorer = RewardScorer(similarity="embedding")      # or "lexical"
    results = scorer.score_batch(completions, ground_truths)
"""

from tool_reflect.reward.formula import REWARD_KEYS
from tool_reflect.reward.scorer import RewardResult, RewardScorer
from tool_reflect.reward.similarity import lexical_similarity

__all__ = ["REWARD_KEYS", "RewardResult", "RewardScorer", "lexical_similarity"]
