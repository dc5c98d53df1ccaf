"""What the Rasa server loads: the custom Rasa extensions of the Chinese customer-service assistant.

- `components`: NLU graph components (config.yml pipeline)
- `policies`: dialogue policies (config.yml policies)
- `channels`: input channels (credentials.yml)
- `brokers`: the event broker (endpoints.yml)
- `sentiment`: the sentiment model and its training, which `rasa train` calls
- `identity_token`, `text_normalization`: what those share

Evaluation reports live in evaluation/, benchmarks in benchmarks/, test and
benchmark helpers in devtools/.

Importing anything of this package (Rasa does at start-up: the channels of
credentials.yml, the broker of endpoints.yml, the pipeline of config.yml) installs
the log redaction of privacy.logs in the Rasa process.
"""

from privacy.logs import install_log_redaction

install_log_redaction()
