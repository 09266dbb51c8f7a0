"""Stateful: over random submit/validate/activate/suspend/close sequences, every project's status
follows the workflow (submitted → validated → active ⇄ suspended, closed for good from any live
state), a refused transition reverts InvalidStatusTransition and changes nothing, and only active
projects answer isActive."""

import brownie
from tests.carbon.support import h
from tests.support.chain import custom_error
from tests.support.stateful import run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

NONE, SUBMITTED, VALIDATED, ACTIVE, SUSPENDED, CLOSED = range(6)
VER = 0

# action -> (the statuses it may start from, the status it leads to)
TRANSITIONS = {
    "validate": ({SUBMITTED}, VALIDATED),
    "activate": ({VALIDATED, SUSPENDED}, ACTIVE),
    "suspend": ({ACTIVE}, SUSPENDED),
    "close": ({SUBMITTED, VALIDATED, ACTIVE, SUSPENDED}, CLOSED),
}

pick = st.integers(min_value=0, max_value=10**6)


class ProjectWorkflowMachine(RuleBasedStateMachine):
    projects = developer = verifier = regulator = None  # set by run_stateful

    @initialize()
    def start(self):
        count = int(self.projects.projectCount())
        self.status = {pid: int(self.projects.project(pid)[2]) for pid in range(1, count + 1)}

    @rule()
    def submit(self):
        tx = self.projects.submitProject(h("VM0042"), h("v2"), VER, b"CN", h("site"), {"from": self.developer})
        self.status[int(tx.events["ProjectSubmitted"]["projectId"])] = SUBMITTED

    @rule(action=st.sampled_from(sorted(TRANSITIONS)), index=pick)
    def move(self, action, index):
        if not self.status:
            return
        pid = sorted(self.status)[index % len(self.status)]
        allowed, target = TRANSITIONS[action]
        sender = self.verifier if action == "validate" else self.regulator
        call = getattr(self.projects, action)
        if self.status[pid] in allowed:
            call(pid, h(action), {"from": sender})
            self.status[pid] = target
        else:
            with brownie.reverts(custom_error("InvalidStatusTransition", pid, self.status[pid], target)):
                call(pid, h(action), {"from": sender})

    @invariant()
    def statuses_match_the_model(self):
        for pid, status in self.status.items():
            assert int(self.projects.project(pid)[2]) == status
            assert self.projects.isActive(pid) == (status == ACTIVE)


def test_project_statuses_follow_the_workflow(projects, developer, verifier, regulator):
    # One project in every live status to start from, so that short runs reach every transition.
    paths = [[], ["validate"], ["validate", "activate"], ["validate", "activate", "suspend"]]
    for path in paths:
        pid = projects.submitProject(h("VM0042"), h("v2"), VER, b"CN", h("site"), {"from": developer}).events[
            "ProjectSubmitted"]["projectId"]
        for action in path:
            getattr(projects, action)(pid, h(action), {"from": verifier if action == "validate" else regulator})
    run_stateful(ProjectWorkflowMachine, projects=projects, developer=developer, verifier=verifier,
                 regulator=regulator)
