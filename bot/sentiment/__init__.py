"""Customer sentiment: a small transformer classifier trained by the project.

`model` loads and runs a checkpoint (the project's own or a user-supplied
Chinese one), `train` builds the project's checkpoint, `evaluate` scores it on
the held-out set. The Rasa component is bot.components.sentiment.
"""
