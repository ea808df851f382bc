"""The owner's writing style learned from their sent replies (`gmail-assistant learn-style`).

sample (Gmail, quotes stripped) → traits per reply → profile per contact group and language
→ one model pass → a proposal in v2.3.0's `communication_styles` / `contacts` shapes, shown
as a diff and written only with `--apply`; the monthly run stores it as a proposal.
"""

from gmail_assistant.style_learning.profile import StyleProfile, build_profile
from gmail_assistant.style_learning.proposal import LEARNED, Proposal, propose, render_diff
from gmail_assistant.style_learning.quotes import own_text
from gmail_assistant.style_learning.service import LearnResult, StyleLearner
from gmail_assistant.style_learning.traits import ReplyTraits, extract_traits

__all__ = [
    "LEARNED",
    "LearnResult",
    "Proposal",
    "ReplyTraits",
    "StyleLearner",
    "StyleProfile",
    "build_profile",
    "extract_traits",
    "own_text",
    "propose",
    "render_diff",
]
