"""Issue 11, proven against the real processes: faults injected by killing (SIGKILL) and
restarting the handoff service, Rasa, the action server and the shop backend on their
ports and databases (tests/faults/harness.py). Each scenario ends with no customer message
lost, none duplicated, and Rasa's pause and the handoff service's state agreeing.

One stack for the module; Rasa is started once and restarted once (the last scenario).
benchmarks/faults.py runs the same scenarios with more messages and prints the figures.
The WeChat, session-expiry and queued-behind-five scenarios live with their features
(tests/wechat, the pause tests).
"""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.faults.harness import (
    ANSWER,
    Console,
    FaultResult,
    FaultStack,
    action_server_and_backend,
    concurrent_handoffs,
    handoff_down,
    handoff_restart_queued,
    rasa_restart,
    running_fault_stack,
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[FaultStack]:
    with running_fault_stack(tmp_path_factory.mktemp("faults")) as running:
        yield running


@pytest.fixture(autouse=True)
def every_process_up_after(stack: FaultStack) -> Iterator[None]:
    """A scenario that failed half-way leaves no process down for the next one."""
    yield
    stack.all_up()


@pytest.fixture
def console(stack: FaultStack) -> Console:
    return Console(stack)


def assert_kept(result: FaultResult) -> None:
    assert result.sent, "the scenario sent nothing"
    assert result.lost == [], f"{result.fault}: lost {len(result.lost)} of {len(result.sent)}: {result.lost}"
    assert result.duplicated == [], f"{result.fault}: duplicated {result.duplicated}"
    assert result.unanswered == 0, f"{result.fault}: {result.unanswered} messages got neither an answer nor a person"
    assert result.disagreements == [], f"{result.fault}: Rasa and the service disagree: {result.disagreements}"
    assert result.problems == [], f"{result.fault}: {result.problems}"


def test_handoff_service_down_30_s_while_the_customer_writes_to_the_agent(stack, console):
    assert_kept(handoff_down(stack, console, messages=5, down_s=30))


def test_handoff_service_restarted_while_a_conversation_waits_in_the_queue(stack, console):
    assert_kept(handoff_restart_queued(stack, console, messages=4))


def test_action_server_restarted_mid_errand_and_the_backend_slow_and_down(stack, console):
    restarted, slow, down = action_server_and_backend(stack, console, messages=1, slow_s=3)
    for result in (restarted, slow, down):
        assert_kept(result)
    assert restarted.outcomes == {ANSWER: 1}, "the errand goes on after the action server's restart"
    assert down.outcomes[ANSWER] == 0, down.outcomes


def test_two_handoff_requests_for_one_conversation_at_the_same_moment(stack, console):
    for result in concurrent_handoffs(stack, console, messages=1):
        assert_kept(result)


def test_rasa_restarted_while_a_person_holds_the_conversation(stack, console):
    """Last: the only Rasa restart of the module."""
    assert_kept(rasa_restart(stack, console, messages=4))
