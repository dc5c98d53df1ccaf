"""Reports on held-out data: the NLU model (`python -m evaluation.nlu`) and the sentiment model
(`python -m evaluation.sentiment`). Figures and how to read them: evaluation/README.md.

Not imported by any running service.
"""
