"""Customer sentiment: a small transformer classifier trained by the project.

`model` loads and runs a checkpoint (the project's own or a user-supplied
Chinese one), `train` builds the project's checkpoint (`rasa train` calls it when
there is none). evaluation.sentiment scores it on the held-out set. The Rasa
component is bot.components.sentiment.
"""
